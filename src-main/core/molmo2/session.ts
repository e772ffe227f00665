// A loaded Molmo2 model ready to answer: checkpoint + tokenizer + engine process, and one call per question.
// Jobs (indexing, counting, tracking) and `ask` all go through here, so every path is the one real weights take.
import { AppError } from '../../api/errors.js';
import { loadCheckpoint, type Molmo2Checkpoint } from './checkpoint/load.js';
import { loadTokenizer, type Molmo2Tokenizer } from './tokenizer/tokenizer.js';
import { buildImagePrompt, buildVideoPromptWithoutPixels, type VideoPromptOptions } from './prompt/build.js';
import { decodeTimes, loadVideoFrames, probeVideo } from './prompt/frame-source.js';
import { taskPrompt, type Task } from './prompt/task-prompts.js';
import { parseAnswer } from './grammar/parse.js';
import type { ParseOptions, ParsedAnswer } from './grammar/types.js';
import type { RgbImage } from './preprocess/resize.js';
import { EngineClient } from './engine/engine-client.js';
import type { EngineLauncher } from './engine/engine-process.js';
import { runModel, type DecodeOptions, type ModelCallInput, type ModelCallResult } from './engine/run-model.js';
import { selectProvider, type ProviderName } from './engine/providers.js';
import type { MediaService, ProbeResult } from '../media/index.js';
import { totalmem } from 'node:os';
import type { Precision } from './compile/precision.js';
import { defaultPrecision } from './compile/memory-estimate.js';
import { adapterIdSuffix, type AdapterRecord } from '../finetune/use-adapter.js';
import { at } from '../../api/at.js';

export interface SessionOptions {
  modelDir: string;
  cacheDir: string;
  /** Requested provider; default: best available (cuda → webgpu → cpu). */
  provider?: string;
  /** Per-stage profiling (prefill/decode split); costs a little. */
  profile?: boolean;
  /** Starts the engine process (the host's capability; default: fork the built engine entry under Node). */
  launcher?: EngineLauncher;
  /** Weight precision; default: per provider and memory (defaultPrecision). */
  precision?: Precision;
  /** A LoRA adapter (validated against this checkpoint by the caller), run as a branch in the decoder graphs. */
  adapter?: AdapterRecord;
  /** Probes and decodes the videos asked about (the core context's media service). */
  media: MediaService;
}

export interface Answer {
  text: string;
  parsed: ParsedAnswer;
  tokens: number;
  promptTokens: number;
  timings: { preprocess: number } & ModelCallResult['timings'];
  ioBytesPerToken: number;
  ioBytesPrompt: number;
  peakMemoryBytes: number;
  provider: string | null;
}

function imageParse(images: RgbImage[]): ParseOptions {
  const { width, height } = at(images, 0, 'image'); // both callers refuse an empty list with INVALID_INPUT
  return images.length > 1
    ? { kind: 'multi-image', width, height, sizes: images.map((i) => ({ width: i.width, height: i.height })) }
    : { kind: 'image', width, height };
}

export interface VideoQuestion {
  file: string;
  /** Recording times (seconds) of the frames to show, e.g. one window's Molmo2 sample times. */
  times: number[];
  /** Subtracted from every time shown to the model (a window is shown as a clip starting at 0). */
  offset?: number;
  task: Task;
  probe?: ProbeResult;
}

/** Streaming: called with the whole answer text so far after each chunk of tokens (functions never cross to the engine). */
export interface StreamOption {
  onPartialText?: (textSoFar: string) => void;
}

/** A free-form question (the `ask` command's shape): the question text as typed, an optional style override. */
export interface FreeQuestion {
  question: string;
  /** Data-formatter style for the question (e.g. 'vqa2'); default: the prompt builder's. */
  style?: string;
}

/** One loaded model: call `askVideo`/`askImages`, then `close()` to stop the engine process. */
export class Molmo2Session {
  readonly modelId: string;
  private constructor(
    readonly checkpoint: Molmo2Checkpoint,
    readonly tokenizer: Molmo2Tokenizer,
    readonly engine: EngineClient,
    readonly provider: ProviderName,
    readonly precision: Precision,
    readonly adapter: AdapterRecord | null,
    private readonly media: MediaService,
  ) {
    this.modelId = adapter ? `${checkpoint.dir}${adapterIdSuffix(adapter)}` : `${checkpoint.dir}`;
  }

  /**
   * Loads checkpoint files and the tokenizer, and starts the engine (the graphs load lazily on first use). When the
   * engine refuses the checkpoint, it is stopped before the error is thrown: a failed open leaves no process behind.
   */
  static async open(o: SessionOptions): Promise<Molmo2Session> {
    const ck = await loadCheckpoint(o.modelDir);
    const tok = await loadTokenizer(o.modelDir);
    const provider = selectProvider(o.provider);
    const precision = o.precision ?? defaultPrecision(ck.config, provider, { ramBytes: totalmem() });
    const engine = new EngineClient(o.launcher);
    try {
      await engine.open({
        modelDir: o.modelDir,
        provider,
        cacheDir: o.cacheDir,
        profile: o.profile ?? false,
        precision,
        ...(o.adapter ? { adapterDir: o.adapter.dir, adapterSha256: o.adapter.sha256 } : {}),
      });
    } catch (err) {
      await engine.close();
      throw err;
    }
    return new Molmo2Session(ck, tok, engine, provider, precision, o.adapter ?? null, o.media);
  }

  /** Asks a question about frames of a video at the given times; coordinates come back in source pixels. */
  async askVideo(q: VideoQuestion, dec: DecodeOptions & StreamOption, signal?: AbortSignal): Promise<Answer> {
    if (q.times.length === 0) throw new AppError('INVALID_INPUT', 'askVideo needs at least one frame time');
    const t0 = performance.now();
    const probe = q.probe ?? (await probeVideo(this.media, q.file, signal)).probe;
    const frames = await decodeTimes(
      this.media,
      q.file,
      q.times,
      probe,
      signal,
      this.checkpoint.videoPreprocessor.size,
    );
    const offset = q.offset ?? 0;
    const shown = frames.map((f) => ({ ...f, time: Math.max(0, f.time - offset) }));
    const { text, style } = taskPrompt(q.task, 'video');
    const m = this.videoInput({ question: text, style, frames: shown, signal });
    return this.run(
      m,
      { kind: 'video', width: probe.width, height: probe.height },
      dec,
      performance.now() - t0,
      signal,
    );
  }

  /** Asks a question about one or more images (RGB at native size, EXIF orientation applied). */
  async askImages(
    images: RgbImage[],
    task: Task,
    dec: DecodeOptions & StreamOption,
    signal?: AbortSignal,
  ): Promise<Answer> {
    if (images.length === 0) throw new AppError('INVALID_INPUT', 'askImages needs at least one image');
    const t0 = performance.now();
    const { text, style } = taskPrompt(task, images.length > 1 ? 'multi-image' : 'image');
    const m = buildImagePrompt({
      checkpoint: this.checkpoint,
      tokenizer: this.tokenizer,
      question: text,
      style,
      images,
      signal,
    });
    return this.run(m, imageParse(images), dec, performance.now() - t0, signal);
  }

  /** Asks a free-form question about a whole video file, sampled with Molmo2's frame sampler (`frames` overrides the count). */
  async askVideoFile(
    file: string,
    q: FreeQuestion & { frames?: number },
    dec: DecodeOptions & StreamOption,
    signal?: AbortSignal,
  ): Promise<Answer> {
    const t0 = performance.now();
    const v = await loadVideoFrames(this.media, file, this.checkpoint.videoPreprocessor, {
      numFrames: q.frames,
      signal,
    });
    const m = this.videoInput({ question: q.question, style: q.style, frames: v.frames, fps: v.probe.fps, signal });
    return this.run(
      m,
      { kind: 'video', width: v.probe.width, height: v.probe.height },
      dec,
      performance.now() - t0,
      signal,
    );
  }

  /** Asks a free-form question about one or more images (RGB at native size). */
  async askImagesFree(
    images: RgbImage[],
    q: FreeQuestion,
    dec: DecodeOptions & StreamOption,
    signal?: AbortSignal,
    preprocessMs = 0,
  ): Promise<Answer> {
    if (images.length === 0) throw new AppError('INVALID_INPUT', 'askImagesFree needs at least one image');
    const t0 = performance.now();
    const m = buildImagePrompt({
      checkpoint: this.checkpoint,
      tokenizer: this.tokenizer,
      question: q.question,
      style: q.style,
      images,
      signal,
    });
    return this.run(m, imageParse(images), dec, preprocessMs + performance.now() - t0, signal);
  }

  /**
   * A video question's model input with the frames, not their pixels: the engine process preprocesses them, so this
   * thread (the serve bridge's event loop, the app's backend) only builds the tokens and moves the frames' bytes.
   */
  private videoInput(o: Omit<VideoPromptOptions, 'checkpoint' | 'tokenizer'>): ModelCallInput {
    const m = buildVideoPromptWithoutPixels({ checkpoint: this.checkpoint, tokenizer: this.tokenizer, ...o });
    return { ...m, videoFrames: { frames: o.frames, cfg: this.checkpoint.videoPreprocessor } };
  }

  /** Runs a prepared model input and decodes/parses the answer; `onPartialText` receives the text so far as it streams. */
  async run(
    m: ModelCallInput,
    parse: ParseOptions,
    dec: DecodeOptions & StreamOption,
    preprocessMs: number,
    signal?: AbortSignal,
  ): Promise<Answer> {
    const { onPartialText, ...decode } = dec;
    const eos = this.checkpoint.specialIds.eos;
    const detok = (tokens: number[]) =>
      this.tokenizer.decode(
        tokens.filter((t) => t !== eos),
        { skipSpecial: true },
      );
    const sofar: number[] = [];
    const onTokens = onPartialText
      ? (t: number[]) => {
          sofar.push(...t);
          onPartialText(detok(sofar));
        }
      : undefined;
    const r = await runModel(this.engine, m, decode, signal, onTokens);
    const text = detok(r.tokens);
    return {
      text,
      parsed: parseAnswer(text, parse),
      tokens: r.tokens.length,
      promptTokens: m.inputIds.length,
      timings: { preprocess: preprocessMs, ...r.timings },
      ioBytesPerToken: r.ioBytesPerToken,
      ioBytesPrompt: r.ioBytesPrompt,
      peakMemoryBytes: r.peakMemoryBytes,
      provider: r.provider,
    };
  }

  /** Stops the engine process. */
  async close(): Promise<void> {
    await this.engine.close();
  }
}
