// Handlers of the media operations: thin wrappers over core/media (probe, sampling rule, windows).
// Paths come from the host; the media functions map every bad file to its error code.
import type { HandlerMap } from './types.js';
import { probe, probeStrict } from '../media/probe.js';
import { sampleTimes } from '../media/sampling.js';
import { windowAt, windowCount, windowsFor } from '../media/windows.js';
import { AppError } from '../../api/errors.js';
import { MAX_LISTED_WINDOWS } from '../../api/bounds.js';

export const mediaHandlers: HandlerMap = {
  'media.probe': async (req, _ctx, signal) => (req.strict ? probeStrict(req.path, { signal }) : probe(req.path, { signal })),
  'media.sampleTimes': async (req) => ({ times: sampleTimes(req.duration, req) }),
  'media.windows': async (req, _ctx, signal) => {
    const p = await probe(req.path, { signal });
    const n = windowCount(p.duration, req);
    if (n > MAX_LISTED_WINDOWS) throw new AppError('INVALID_INPUT', `${n} windows is more than one answer lists (${MAX_LISTED_WINDOWS}); use longer windows, or media.window by index`);
    const windows = windowsFor(p.duration, req);
    return { duration: p.duration, count: windows.length, windows };
  },
  'media.window': async (req, _ctx, signal) => {
    const p = await probe(req.path, { signal });
    return windowAt(p.duration, req.index, req);
  },
};
