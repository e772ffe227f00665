// `molmoscope track`: track a query over a recording, a range of it or a folder (see analytics-run.ts).
import { analyticsCommand } from './analytics-run.js';

export const trackCommand = analyticsCommand('track');
