// `molmoscope count`: count a query over a recording, a range of it or a folder (see analytics-run.ts).
import { analyticsCommand } from './analytics-run.js';

export const countCommand = analyticsCommand('count');
