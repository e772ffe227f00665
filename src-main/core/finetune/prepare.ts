// Validated data lines → tokenised training examples: the vision graph runs once per clip (features cached on disk),
// then is released before the training graph loads. A line that cannot be prepared is reported, not fatal, on request.
import { AppError, throwIfCancelled } from '../../api/errors.js';
import { loadCheckpoint } from '../molmo2/checkpoint/load.js';
import { loadTokenizer } from '../molmo2/tokenizer/tokenizer.js';
import { Molmo2Runtime } from '../molmo2/engine/runtime.js';
import type { MediaService } from '../media/index.js';
import type { BadLine, DataLine } from './dataset.js';
import { buildExample } from './examples.js';
import type { TrainExample } from './train-session.js';

/** Most tokens one example (a message tree: all its branches) may have (attention backward holds heads × S² floats). */
export const MAX_EXAMPLE_TOKENS = 16384;

export interface PrepareOptions {
  base: string;
  cacheDir: string;
  /** The host's media service (probing and decoding the clips). */
  media: MediaService;
  /** Keep going past a line that cannot be prepared (it is reported in `bad`); otherwise its error is thrown. */
  skipBad?: boolean;
  signal?: AbortSignal;
  onPrepared?: (p: {
    line: number;
    tokens: number;
    answerTokens: number;
    /** Answers on the line (several = one message tree). */
    answers: number;
    featuresCached: boolean;
  }) => void;
  onBad?: (b: BadLine) => void;
}

/** Tokenises every line (features from the vision graph, cached per clip); returns the examples and the bad lines. */
export async function prepareExamples(
  lines: DataLine[],
  o: PrepareOptions,
): Promise<{ examples: TrainExample[]; bad: BadLine[] }> {
  const checkpoint = await loadCheckpoint(o.base);
  const tokenizer = await loadTokenizer(o.base);
  const runtime = Molmo2Runtime.open(o.base, { provider: 'cpu', cacheDir: o.cacheDir });
  const examples: TrainExample[] = [];
  const bad: BadLine[] = [];
  try {
    for (const l of lines) {
      throwIfCancelled(o.signal, 'Preparing the training data');
      try {
        const { example, cached } = await buildExample(l, {
          checkpoint,
          tokenizer,
          runtime,
          media: o.media,
          cacheDir: o.cacheDir,
          ...(o.signal ? { signal: o.signal } : {}),
        });
        if (example.ids.length > MAX_EXAMPLE_TOKENS)
          throw new AppError(
            'PROMPT_TOO_LONG',
            `${example.ids.length} tokens (at most ${MAX_EXAMPLE_TOKENS}); use a shorter start/end window`,
          );
        examples.push(example);
        o.onPrepared?.({
          line: l.line,
          tokens: example.ids.length,
          answerTokens: example.targets.length,
          answers: l.answers.length,
          featuresCached: cached,
        });
      } catch (err) {
        // A line that validated but cannot be prepared (not a video, too long, …) is a bad line like any other.
        if (!(err instanceof AppError) || err.code === 'CANCELLED') throw err;
        const b = { line: l.line, reason: `${err.code}: ${err.message}` };
        o.onBad?.(b);
        if (!o.skipBad) throw new AppError(err.code, `line ${l.line}: ${err.message}`);
        bad.push(b);
      }
    }
  } finally {
    await runtime.dispose(); // release the vision session before the training graph loads
  }
  return { examples, bad };
}
