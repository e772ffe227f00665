// Handlers of the media operations: thin wrappers over core/media (the context's media service, sampling, windows).
// Paths come from the host; the media functions map every bad file to its error code.
import type { HandlerMap } from './types.js';
import { sampleTimes, windowAt, windowCount, windowsFor } from '../media/index.js';
import { AppError } from '../../api/errors.js';
import { MAX_LISTED_WINDOWS } from '../../api/bounds.js';

export const mediaHandlers: HandlerMap = {
  'media.probe': async (req, ctx, signal) =>
    req.strict ? ctx.media.probeStrict(req.path, { signal }) : ctx.media.probe(req.path, { signal }),
  'media.sampleTimes': async (req) => ({ times: sampleTimes(req.duration, req) }),
  'media.windows': async (req, ctx, signal) => {
    const p = await ctx.media.probe(req.path, { signal });
    const n = windowCount(p.duration, req);
    if (n > MAX_LISTED_WINDOWS)
      throw new AppError(
        'INVALID_INPUT',
        `${n} windows is more than one answer lists (${MAX_LISTED_WINDOWS}); use longer windows, or media.window by index`,
      );
    const windows = windowsFor(p.duration, req);
    return { duration: p.duration, count: windows.length, windows };
  },
  'media.window': async (req, ctx, signal) => {
    const p = await ctx.media.probe(req.path, { signal });
    return windowAt(p.duration, req.index, req);
  },
};
