// Turns validated data lines into tokenised training examples: the same frames, prompt and token types inference
// uses, the answer + <|im_end|> appended (several answers: one message tree), and visual features from the vision
// graph cached on disk per clip.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { Molmo2Checkpoint } from '../molmo2/checkpoint/load.js';
import type { Molmo2Tokenizer } from '../molmo2/tokenizer/tokenizer.js';
import {
  buildImagePrompt,
  buildVideoPrompt,
  buildVideoPromptWithoutPixels,
  type ModelInput,
} from '../molmo2/prompt/build.js';
import { checkpointSampleTimes, loadVideoFrames, probeVideo } from '../molmo2/prompt/frame-source.js';
import type { MediaService } from '../media/index.js';
import { loadImageRgb } from '../molmo2/prompt/image-source.js';
import { dropEmptyPoolingRows } from '../molmo2/engine/run-model.js';
import type { Molmo2Runtime } from '../molmo2/engine/runtime.js';
import { tokenWeight, type DataLine, type LineAnswer } from './dataset.js';
import { assembleTree } from './message-tree.js';
import type { TrainExample } from './train-session.js';

/** Bump when frame sampling or preprocessing changes what a cached feature file holds. */
export const FEATURE_CACHE_VERSION = 1;

export interface ExampleContext {
  checkpoint: Molmo2Checkpoint;
  tokenizer: Molmo2Tokenizer;
  runtime: Molmo2Runtime;
  /** Probes and decodes the clips (the core context's media service). */
  media: MediaService;
  /** Where feature files go (features/<key>.f32). */
  cacheDir: string;
  signal?: AbortSignal;
}

/** A clip's prompt for its first answer (with pixels), and the prompt tokens of any answer on the same frames. */
interface ClipPrompts {
  m: ModelInput;
  files: string[];
  times: number[];
  promptOf: (a: LineAnswer) => Pick<ModelInput, 'inputIds' | 'tokenTypeIds'>;
}

async function promptFor(l: DataLine, c: ExampleContext): Promise<ClipPrompts> {
  const first = l.answers[0];
  if (!first) throw new AppError('INVALID_INPUT', `line ${l.line}: no answer`);
  const base = (a: LineAnswer) => ({
    checkpoint: c.checkpoint,
    tokenizer: c.tokenizer,
    question: a.question,
    history: a.history,
    signal: c.signal,
    ...(a.style ? { style: a.style } : {}),
  });
  if (l.media.kind === 'images') {
    const imgs: Awaited<ReturnType<typeof loadImageRgb>>[] = [];
    for (const f of l.media.files) imgs.push(await loadImageRgb(f, c.signal));
    const promptOf = (a: LineAnswer) => buildImagePrompt({ ...base(a), images: imgs });
    return { m: promptOf(first), files: l.media.files, times: [], promptOf };
  }
  const cfg = c.checkpoint.videoPreprocessor;
  const { start, end } = l.media;
  let times: number[] | undefined = l.media.times;
  if (times === undefined && start !== undefined && end !== undefined) {
    const p = await probeVideo(c.media, l.media.file, c.signal);
    if (start >= p.duration)
      throw new AppError(
        'INVALID_INPUT',
        `line ${l.line}: start ${start} s is past the end (${p.duration.toFixed(2)} s)`,
      );
    times = checkpointSampleTimes(Math.min(end, p.duration) - start, cfg, undefined, p.fps).map((t) => t + start);
  }
  const v = await loadVideoFrames(c.media, l.media.file, cfg, { signal: c.signal, ...(times ? { times } : {}) });
  const shown = v.frames.map((f) => ({ ...f, time: f.time - (start ?? 0) }));
  const video = { frames: shown, ...(times ? {} : { fps: v.probe.fps }) };
  const m = buildVideoPrompt({ ...base(first), ...video });
  const promptOf = (a: LineAnswer) => buildVideoPromptWithoutPixels({ ...base(a), ...video });
  return { m, files: [l.media.file], times: v.frames.map((f) => f.time), promptOf };
}

/** The cache key of a clip's features: file identity, frame times, preprocessing version and the model. */
export function featureKey(files: string[], times: number[], c: Pick<ExampleContext, 'checkpoint'>): string {
  const ids = files.map((f) => {
    const s = statSync(f);
    return `${realpathSync(f)}:${s.size}:${s.mtimeMs}`;
  });
  const model = [...c.checkpoint.tensors.entries()]
    .filter(([n]) => n.startsWith('model.vision_backbone'))
    .map(([n, t]) => `${n}:${t.file}:${t.entry.offset}`)
    .join('|');
  const modelStat = [...new Set([...c.checkpoint.tensors.values()].map((t) => t.file))]
    .map((f) => `${f}:${statSync(isAbsolute(f) ? f : join(c.checkpoint.dir, f)).mtimeMs}`)
    .join('|');
  return createHash('sha256')
    .update(
      JSON.stringify({
        ids,
        times,
        v: FEATURE_CACHE_VERSION,
        pre: c.checkpoint.videoPreprocessor,
        img: c.checkpoint.preprocessor,
        model,
        modelStat,
        dir: c.checkpoint.dir,
      }),
    )
    .digest('hex')
    .slice(0, 24);
}

async function featuresFor(
  m: ModelInput,
  key: string,
  c: ExampleContext,
): Promise<{ features: Float32Array; cached: boolean }> {
  const dir = join(c.cacheDir, 'features');
  const file = join(dir, `${key}.f32`);
  const H = c.checkpoint.config.text_config.hidden_size;
  const rows = m.inputIds.filter((id) => id === c.checkpoint.config.image_patch_id).length;
  if (existsSync(file)) {
    const b = readFileSync(file);
    if (b.byteLength === rows * H * 4)
      return { features: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), cached: true };
  }
  const pooling = dropEmptyPoolingRows(m.pooling, m.poolK);
  const { features } = await c.runtime.vision(m.pixelValues, m.nCrops, pooling, m.poolK);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${file}.tmp-${process.pid}`, features);
  renameSync(`${file}.tmp-${process.pid}`, file);
  return { features, cached: false };
}

/**
 * Builds one training example (and says whether its features came from the cache): a line with several answers
 * becomes one message tree, each answer's weight by Molmo2's rules for k answers sharing the clip.
 */
export async function buildExample(
  l: DataLine,
  c: ExampleContext,
): Promise<{ example: TrainExample; cached: boolean }> {
  const { m, files, times, promptOf } = await promptFor(l, c);
  const k = l.answers.length;
  const branches = l.answers.map((a, j) => {
    const p = j === 0 ? m : promptOf(a);
    const answerIds = c.tokenizer.encode(a.answer);
    return {
      promptIds: p.inputIds,
      promptTypes: p.tokenTypeIds,
      answerIds,
      weight: tokenWeight(a, answerIds.length + 1, k),
    };
  });
  const tree = assembleTree(branches, c.checkpoint.specialIds.eos);
  const { features, cached } = await featuresFor(m, featureKey(files, times, c), c);
  return { example: { ...tree, features }, cached };
}
