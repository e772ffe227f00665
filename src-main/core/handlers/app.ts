// Handlers of the app-level operations ('app.info').
import { getAppInfo } from '../app-info.js';
import type { HandlerMap } from './types.js';

export const appHandlers = {
  'app.info': async (_req, ctx) => getAppInfo(ctx),
} satisfies HandlerMap;
