// Live partial answers of a job's current window as throttled `engine.partial` events: each event carries the text
// appended since the last one (at `offset`), and a window's last event makes the concatenation equal its stored text.
import type { EventSink } from '../context.js';

/** Who is writing: the job and what it runs, plus where the UI shows it (run, recording). */
export interface PartialSource {
  jobId?: number;
  kind: string;
  runId?: number;
  recordingId?: number;
}

/** One window's stream: `partial` with the whole text so far (as the session gives it), `final` with the stored text. */
export interface WindowPartials {
  partial(textSoFar: string): void;
  final(text: string): void;
}

export interface PartialStreamOptions {
  /** Minimum ms between two events of one window (the final one always goes). Default 250. */
  throttleMs?: number;
  now?: () => number;
}

/** Tokens per streamed Loop chunk for job windows: large enough that chunking costs < 5 % of a window (bench/engine/stream-cost). */
export const JOB_STREAM_EVERY = 32;

const commonPrefix = (a: string, b: string) => {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
};

/** Makes per-window partial streams that publish through `emit`. */
export function partialStream(emit: EventSink, source: PartialSource, opts: PartialStreamOptions = {}) {
  const now = opts.now ?? Date.now;
  const throttle = opts.throttleMs ?? 250;
  return {
    window(windowIndex: number, where: Pick<PartialSource, 'runId' | 'recordingId'> = {}): WindowPartials {
      let sent = '';
      let last = -Infinity;
      const send = (text: string, final: boolean) => {
        // Usually an append; a decoded byte sequence completing a character (or a final trim) rewrites the tail.
        const offset = commonPrefix(sent, text);
        if (!final && offset === text.length) return;
        emit('engine.partial', { ...source, ...where, windowIndex, offset, text: text.slice(offset), final });
        sent = text;
        last = now();
      };
      return {
        partial(textSoFar) {
          // A trailing U+FFFD is half a multi-byte character: wait for the rest rather than send and retract it.
          const stable = textSoFar.replace(/\uFFFD+$/, '');
          if (now() - last >= throttle) send(stable, false);
        },
        final(text) {
          send(text, true);
        },
      };
    },
  };
}
