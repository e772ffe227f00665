// In-process Molmo2 runtime: compiles graphs lazily, owns the onnxruntime sessions, runs vision and generation,
// and counts the bytes of every tensor passed to and from session.run (ioBytesPerToken).
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { AppError } from '../../../api/errors.js';
import { compileGraphs, graphSessionOptions, type CompiledGraphs, type GraphKind } from '../compile/compile.js';
import type { Precision } from '../compile/precision.js';
import { recordDerivedSource } from '../../platform/model-cache.js';
import { DECODE_LOOP, stateNames } from '../compile/generate-graph.js';
import { assertSupported, openCheckpoint, type Checkpoint } from '../weights.js';
import { OUT_OF_MEMORY } from './out-of-memory.js';
import type { ProviderName } from './providers.js';
import { chunkPooling, planVisionChunks } from './vision-chunks.js';
import { adapterFeeds, loraBranchSpec } from '../../finetune/lora-feeds.js';

export interface RuntimeOptions {
  provider: ProviderName;
  /** This checkpoint's folder in the app model cache (compiled graphs, converted weights); the checkpoint is never written. */
  cacheDir: string;
  onProgress?: (stage: string, done: number, total: number) => void;
  /**
   * Split generate() time into prefill and decode with onnxruntime's profiler (the Loop node's own duration).
   * Each profiled call uses a fresh session (a profiler cannot be restarted), so keep it for CLI runs and benches.
   */
  profile?: boolean;
  /** Query rows per prefill attention chunk (compile option; default DEFAULT_PREFILL_CHUNK). */
  prefillChunk?: number;
  /** Weight precision (default fp32); below fp32 the weights are converted once into the cache. */
  precision?: Precision;
  /** A PEFT LoRA adapter folder for this checkpoint: run as a branch in the decoder graphs (base weights untouched). */
  adapterDir?: string;
  /** The adapter's sha256 as the host recorded it: a different adapter file is refused at open. */
  adapterSha256?: string;
  /** onnxruntime intra-op threads (default: onnxruntime's, one per physical core); benches set it to compare engines. */
  threads?: number;
}

/** How generation draws tokens and when it stops: the token budget, sampling, penalties and the repetition guard. */
export interface SamplingOptions {
  maxNewTokens: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  repetitionPenalty?: number;
  frequencyPenalty?: number;
  /** Stop when the tail repeats one p-gram this many times (≥ 12 tokens); 0 = off. Default 4. */
  repeatGuard?: number;
}

export interface GenerateRequest extends SamplingOptions {
  ids: number[];
  types: number[];
  /** [T, H] visual features (T = number of <im_patch> tokens), or empty. */
  features: Float32Array;
  /** Extra stop ids, on top of the checkpoint's EOS ids. */
  stopIds?: number[];
}

export interface GenerateResult {
  tokens: number[];
  /** Wall time of the run(s) that produced the tokens. */
  ms: number;
  /** Bytes through session.run per generated token, prompt inputs excluded (see ioBytesPrompt). */
  ioBytesPerToken: number;
  /** Bytes of the prompt inputs (ids, token types, visual features), passed once. */
  ioBytesPrompt: number;
  /** With `profile`: prefill time and decode-loop time inside the run (ms). */
  prefillMs?: number;
  decodeMs?: number;
  /** With `profile`: kernel time per operator type (Loop/If containers excluded), inside and outside the decode Loop. */
  opMs?: OpMs;
}

/** Milliseconds per ONNX operator type, split at the decode Loop: prefill (before/outside it) and decode (inside). */
export type OpMs = Record<string, { prefill: number; decode: number }>;

interface ProfileEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string };
}

/** Sums onnxruntime profiler node events per operator type; events timed inside the decode Loop count as decode. */
function opBreakdown(events: ProfileEvent[]): OpMs {
  const loops = events.filter((e) => e.cat === 'Node' && e.name === `${DECODE_LOOP}_kernel_time`);
  const inDecode = (e: ProfileEvent) => loops.some((l) => e.ts >= l.ts && e.ts + e.dur <= l.ts + l.dur);
  const out: OpMs = {};
  for (const e of events) {
    const op = e.args?.op_name;
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || !op || op === 'Loop' || op === 'If') continue;
    const slot = (out[op] ??= { prefill: 0, decode: 0 });
    slot[inDecode(e) ? 'decode' : 'prefill'] += e.dur / 1000;
  }
  return out;
}

type Feeds = Record<string, ort.Tensor>;
const bytesOf = (ts: Iterable<ort.Tensor>): number => {
  let n = 0;
  for (const t of ts) n += (t.data as ArrayBufferView).byteLength;
  return n;
};
const i64 = (a: ArrayLike<number>, dims = [a.length]) =>
  new ort.Tensor('int64', BigInt64Array.from(Array.from(a, (x) => BigInt(x))), dims);
const sI64 = (v: number) => new ort.Tensor('int64', BigInt64Array.of(BigInt(v)), []);
const sF32 = (v: number) => new ort.Tensor('float32', Float32Array.of(v), []);

function ortError(err: unknown, what: string): AppError {
  const msg = (err as Error).message ?? String(err);
  if (OUT_OF_MEMORY.test(msg)) return new AppError('GPU_OOM', `${what}: ${msg}`);
  return new AppError('ENGINE_FAILED', `${what}: ${msg}`);
}

/** Owns one checkpoint's sessions on one provider. */
export class Molmo2Runtime {
  private sessions = new Map<GraphKind, ort.InferenceSession>();
  private graphs: CompiledGraphs | null = null;
  private constructor(
    readonly ck: Checkpoint,
    private opts: RuntimeOptions,
    private readonly lora: Feeds | null,
  ) {}

  /** Opens the checkpoint (headers only) and refuses unsupported variants, reads the adapter; graphs compile on first use. */
  static open(modelDir: string, opts: RuntimeOptions): Molmo2Runtime {
    const ck = openCheckpoint(modelDir);
    assertSupported(ck);
    return new Molmo2Runtime(
      ck,
      opts,
      opts.adapterDir === undefined ? null : adapterFeeds(ck, opts.adapterDir, opts.adapterSha256),
    );
  }

  get provider(): ProviderName {
    return this.opts.provider;
  }

  /** The compiled graphs (compiled into the cache on first use). */
  compiled(): CompiledGraphs {
    if (!this.graphs) {
      recordDerivedSource(this.opts.cacheDir, this.ck.dir);
      this.graphs = compileGraphs(this.ck, {
        cacheDir: join(this.opts.cacheDir, 'graphs'),
        kinds: ['vision', 'generate', 'generate-stream', 'resume', 'prefill', 'step'],
        prefillChunk: this.opts.prefillChunk,
        precision: this.opts.precision,
        onProgress: this.opts.onProgress,
        ...(this.lora ? { lora: loraBranchSpec(this.ck) } : {}),
      });
    }
    return this.graphs;
  }

  /** A new session on one compiled graph (the caller releases it); the runtime's own sessions are cached. */
  async createSession(
    kind: GraphKind,
    options: ort.InferenceSession.SessionOptions = {},
  ): Promise<ort.InferenceSession> {
    const g = this.compiled();
    const threads = this.opts.threads === undefined ? {} : { intraOpNumThreads: this.opts.threads };
    return ort.InferenceSession.create(readFileSync(g.paths[kind]), {
      ...threads,
      ...options,
      ...graphSessionOptions(g.externalDir),
    });
  }

  private async session(kind: GraphKind): Promise<ort.InferenceSession> {
    let s = this.sessions.get(kind);
    if (s) return s;
    this.compiled();
    this.opts.onProgress?.(`load-${kind}`, 0, 1);
    try {
      s = await this.createSession(kind, {
        executionProviders: [this.opts.provider === 'cpu' ? 'cpu' : this.opts.provider, 'cpu'],
        graphOptimizationLevel: 'all',
      });
    } catch (err) {
      throw ortError(err, `loading ${kind} graph`);
    }
    this.opts.onProgress?.(`load-${kind}`, 1, 1);
    this.sessions.set(kind, s);
    return s;
  }

  private async run(kind: GraphKind, given: Feeds): Promise<ort.InferenceSession.ReturnType> {
    // Every decoder graph of an adapted runtime takes the LoRA factors as inputs; the vision graph has none.
    const feeds = this.lora && kind !== 'vision' ? { ...given, ...this.lora } : given;
    if (this.opts.profile && kind === 'generate') return this.profiledRun(kind, feeds);
    const s = await this.session(kind);
    try {
      return await s.run(feeds);
    } catch (err) {
      throw ortError(err, `running ${kind}`);
    }
  }

  private lastProfile: { totalMs: number; loopMs: number; opMs: OpMs } | null = null;

  private async profiledRun(kind: GraphKind, feeds: Feeds): Promise<ort.InferenceSession.ReturnType> {
    // Compiles only: no unprofiled session beside the profiled one (two decoder sessions of a 4B model at fp16 on
    // CPU, each holding an fp32 copy of the weights, do not fit 24 GB). Unprofiled calls load theirs when needed.
    this.compiled();
    const dir = join(this.opts.cacheDir, 'profiles', `${process.pid}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    try {
      const s = await this.createSession(kind, {
        executionProviders: [this.opts.provider, 'cpu'],
        graphOptimizationLevel: 'all',
        enableProfiling: true,
        profileFilePrefix: join(dir, 'p'),
      });
      let r: ort.InferenceSession.ReturnType;
      try {
        r = await s.run(feeds);
      } catch (err) {
        throw ortError(err, `running ${kind}`);
      }
      (s as unknown as { endProfiling(): void }).endProfiling();
      await s.release();
      const file = readdirSync(dir).find((f) => f.endsWith('.json'));
      const events = file ? (JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[]) : [];
      const us = (pred: (e: ProfileEvent) => boolean) => events.filter(pred).reduce((a, e) => a + e.dur, 0);
      this.lastProfile = {
        totalMs: us((e) => e.cat === 'Session' && e.name === 'model_run') / 1000,
        loopMs: us((e) => e.cat === 'Node' && e.name === `${DECODE_LOOP}_kernel_time`) / 1000,
        opMs: opBreakdown(events),
      };
      return r;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Projected features [T, H] for crops [N,729,588] and pooling rows [T,k] (rows of all −1 must be dropped). */
  async vision(
    pixels: Float32Array,
    nCrops: number,
    pooling: Int32Array,
    k: number,
    maxCropsPerRun = 16,
  ): Promise<{ features: Float32Array; ms: number; runs: number }> {
    const t0 = performance.now();
    const P = this.ck.config.vit_config.image_num_pos;
    const perCrop = pixels.length / nCrops;
    if (!Number.isInteger(perCrop) || perCrop % P !== 0)
      throw new AppError('INVALID_INPUT', `pixels length ${pixels.length} is not ${nCrops} crops of ${P} patches`);
    const parts: Float32Array[] = [];
    const chunks = planVisionChunks(pooling, k, P, maxCropsPerRun);
    for (const c of chunks) {
      const n = c.cropEnd - c.cropStart;
      if (c.cropEnd > nCrops)
        throw new AppError('INVALID_INPUT', `pooling refers to crop ${c.cropEnd - 1} of ${nCrops}`);
      const rows = chunkPooling(pooling, k, P, c);
      const r = await this.run('vision', {
        pixels: new ort.Tensor('float32', pixels.subarray(c.cropStart * perCrop, c.cropEnd * perCrop), [
          n,
          P,
          perCrop / P,
        ]),
        pooling: i64(rows, [rows.length / k, k]),
      });
      parts.push(r.features!.data as Float32Array);
    }
    const features = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let off = 0;
    for (const p of parts) {
      features.set(p, off);
      off += p.length;
    }
    return { features, ms: performance.now() - t0, runs: chunks.length };
  }

  private promptFeeds(req: GenerateRequest): Feeds {
    const H = this.ck.config.text_config.hidden_size;
    if (req.ids.length !== req.types.length)
      throw new AppError('INVALID_INPUT', 'ids and token types differ in length');
    if (req.features.length % H !== 0)
      throw new AppError('INVALID_INPUT', `features length ${req.features.length} is not a multiple of ${H}`);
    const nPatch = req.ids.filter((i) => i === this.ck.config.image_patch_id).length;
    if (nPatch * H !== req.features.length)
      throw new AppError('INVALID_INPUT', `${nPatch} <im_patch> tokens but ${req.features.length / H} feature rows`);
    return {
      input_ids: i64(req.ids),
      token_type_ids: i64(req.types),
      image_features: new ort.Tensor('float32', req.features, [req.features.length / H, H]),
    };
  }

  /** The decode Loop's control inputs (budget, sampling, penalties, guard, stop ids); the seed goes to a first run only. */
  private loopControls(req: GenerateRequest, maxNewTokens: number): Feeds {
    return {
      max_new_tokens: sI64(maxNewTokens),
      temperature: sF32(req.temperature ?? 0),
      top_p: sF32(req.topP ?? 1),
      repetition_penalty: sF32(req.repetitionPenalty ?? 1),
      frequency_penalty: sF32(req.frequencyPenalty ?? 0),
      repeat_guard: sI64(req.repeatGuard ?? 4),
      eos_ids: i64([...this.ck.eosIds, ...(req.stopIds ?? [])]),
    };
  }

  /** Prefill + in-graph decode Loop in one session.run: the KV cache never crosses into JavaScript. */
  async generate(req: GenerateRequest): Promise<GenerateResult> {
    const prompt = this.promptFeeds(req);
    const ctl: Feeds = { ...this.loopControls(req, req.maxNewTokens), seed: sI64(req.seed ?? 0) };
    const t0 = performance.now();
    const r = await this.run('generate', { ...prompt, ...ctl });
    const ms = performance.now() - t0;
    const tokens = Array.from(r.tokens!.data as BigInt64Array, Number);
    const perRun = bytesOf(Object.values(ctl)) + bytesOf(Object.values(r) as ort.Tensor[]);
    const out: GenerateResult = {
      tokens,
      ms,
      ioBytesPerToken: perRun / Math.max(tokens.length, 1),
      ioBytesPrompt: bytesOf(Object.values(prompt)),
    };
    if (this.lastProfile) {
      out.ms = this.lastProfile.totalMs; // the run itself, not the fresh profiling session's creation
      out.decodeMs = this.lastProfile.loopMs;
      out.prefillMs = this.lastProfile.totalMs - this.lastProfile.loopMs;
      out.opMs = this.lastProfile.opMs;
      this.lastProfile = null;
    }
    return out;
  }

  /**
   * Streamed generation: the same tokens as generate() (counts, generator state and history carry over between
   * runs), delivered in Loop chunks of `every` tokens through `onTokens` as each run ends. The KV cache crosses into
   * JavaScript once per chunk, not per token, so ioBytesPerToken ≈ cache bytes / every — the price of streaming.
   */
  async generateStream(
    req: GenerateRequest,
    every: number,
    onTokens: (tokens: number[]) => void,
  ): Promise<GenerateResult> {
    if (!Number.isInteger(every) || every < 1)
      throw new AppError('INVALID_INPUT', `stream chunk must be a positive integer, got ${every}`);
    const prompt = this.promptFeeds(req);
    const names = stateNames(this.ck.config.text_config.num_hidden_layers);
    const t0 = performance.now();
    const tokens: number[] = [];
    const head = {
      ...this.loopControls(req, Math.min(every, Math.max(req.maxNewTokens, 0))),
      seed: sI64(req.seed ?? 0),
    };
    let r = await this.run('generate-stream', { ...prompt, ...head });
    let io = bytesOf(Object.values(head)) + bytesOf(Object.values(r) as ort.Tensor[]);
    for (;;) {
      const got = Array.from(r.tokens!.data as BigInt64Array, Number);
      tokens.push(...got);
      if (got.length > 0) onTokens(got);
      const stopped = (r.state_stop!.data as BigInt64Array)[0] !== 0n;
      const left = req.maxNewTokens - tokens.length;
      if (stopped || left <= 0 || got.length === 0) break;
      const feeds = this.loopControls(req, Math.min(every, left));
      for (const n of names) feeds[`in_${n}`] = r[`state_${n}`]!;
      r = await this.run('resume', feeds);
      io += bytesOf(Object.values(feeds)) + bytesOf(Object.values(r) as ort.Tensor[]);
    }
    return {
      tokens,
      ms: performance.now() - t0,
      ioBytesPerToken: io / Math.max(tokens.length, 1),
      ioBytesPrompt: bytesOf(Object.values(prompt)),
    };
  }

  /** Baseline: prefill graph, then a JavaScript greedy loop over the step graph with past/present K/V per token. */
  async generateNaive(req: GenerateRequest): Promise<GenerateResult & { prefillMs: number }> {
    const prompt = this.promptFeeds(req);
    const L = this.ck.config.text_config.num_hidden_layers;
    const t0 = performance.now();
    let r = await this.run('prefill', prompt);
    const prefillMs = performance.now() - t0;
    const tokens: number[] = [];
    let io = 0;
    for (let i = 0; i < req.maxNewTokens; i++) {
      const logits = r.logits!.data as Float32Array;
      let best = 0;
      for (let j = 1; j < logits.length; j++) if (logits[j]! > logits[best]!) best = j;
      tokens.push(best);
      if (this.ck.eosIds.includes(best) || i === req.maxNewTokens - 1) break;
      const feeds: Feeds = { token: i64([best]) };
      for (let l = 0; l < L; l++) {
        feeds[`past_k_${l}`] = r[`present_k_${l}`] as ort.Tensor;
        feeds[`past_v_${l}`] = r[`present_v_${l}`] as ort.Tensor;
      }
      r = await this.run('step', feeds);
      io += bytesOf(Object.values(feeds)) + bytesOf(Object.values(r) as ort.Tensor[]);
    }
    const steps = Math.max(tokens.length - 1, 1);
    return {
      tokens,
      ms: performance.now() - t0,
      prefillMs,
      ioBytesPerToken: io / steps,
      ioBytesPrompt: bytesOf(Object.values(prompt)),
    };
  }

  /** Releases every session. */
  async dispose(): Promise<void> {
    for (const s of this.sessions.values()) await s.release();
    this.sessions.clear();
  }
}
