// Adapters from the Molmo2 answer parser (core/molmo2/grammar) to the analytics job parser types.
// They decide what counts as a malformed window answer and shift window-relative timestamps to recording time.
import { AppError } from '../../api/errors.js';
import { pixels, seconds } from '../../api/units.js';
import { parseAnswer } from '../molmo2/grammar/parse.js';
import type { PointParser, TrackParser } from './count-track-loop.js';

export interface AdapterOptions {
  /**
   * True when the model's timestamps count from the window's first frame (the clip the model was shown), so the
   * window start is added; false when the frames were labelled with recording time. Default true.
   */
  relativeTimes?: boolean;
}

/** PointParser over Molmo2 answers: points → instances; "There are none." → none; no points and no count → PARSE_ERROR. */
export function molmoPointParser(opts: AdapterOptions = {}): PointParser {
  return (answer, window, frame) => {
    const a = parseAnswer(answer, { kind: 'video', width: frame.width, height: frame.height });
    if (a.points.length === 0 && a.count === null) {
      throw new AppError(
        'PARSE_ERROR',
        `window ${window.index}: the answer has neither points nor a count` +
          (a.dropped.length ? ` (${a.dropped[0]?.reason})` : ''),
      );
    }
    const shift = opts.relativeTimes === false ? 0 : window.start;
    return {
      points: a.points.map((p) => ({ localId: p.id, t: seconds(p.key + shift), x: pixels(p.x), y: pixels(p.y) })),
      statedCount: a.count,
    };
  };
}

/** TrackParser over Molmo2 answers: tracks → local tracks; "There are none."/"No tracks available." → none. */
export function molmoTrackParser(opts: AdapterOptions = {}): TrackParser {
  return (answer, window, frame) => {
    const a = parseAnswer(answer, { kind: 'video', width: frame.width, height: frame.height });
    const empty = /\b(there are none|no tracks available)\b/i.test(answer);
    if (a.tracks.length === 0 && !empty) {
      throw new AppError(
        'PARSE_ERROR',
        `window ${window.index}: the answer has no tracks` + (a.dropped.length ? ` (${a.dropped[0]?.reason})` : ''),
      );
    }
    const shift = opts.relativeTimes === false ? 0 : window.start;
    return a.tracks.map((t) => ({
      id: t.id,
      points: t.points.map((p) => ({ t: seconds(p.t + shift), x: pixels(p.x), y: pixels(p.y) })),
    }));
  };
}
