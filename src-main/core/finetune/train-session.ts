// Compiles the LoRA training graph once (content-hashed file next to the bound weights) and runs it: one call =
// one example's loss, per-token CE and the gradient of every LoRA tensor for the given parameters.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { AppError } from '../../api/errors.js';
import { encodeModel } from '../molmo2/compile/emit.js';
import { graphSessionOptions } from '../molmo2/compile/compile.js';
import { decoderWeightNames } from '../molmo2/compile/decoder-graph.js';
import { bindWeights } from '../molmo2/compile/weight-binder.js';
import { OUT_OF_MEMORY } from '../molmo2/engine/out-of-memory.js';
import { assertTrainable, type Checkpoint } from '../molmo2/weights.js';
import { checkSpec, loraTargets, paramShape, type LoraParams, type LoraSpec, type LoraTarget } from './lora.js';
import { buildTrainGraph, gradName, TRAIN_IO } from './train-graph.js';

/** Bump when the training graph builder changes what it emits. */
export const TRAIN_GRAPH_VERSION = 2;

/**
 * One tokenised training example: loss at `logitPositions` (row p predicts `targets`, the token at p+1). A message
 * tree is one example whose `branches` put each answer's tokens in its own branch (1..k) after a shared prefix (0),
 * with `positions` restarting after the prefix in every branch; without them the sequence is one plain example.
 */
export interface TrainExample {
  ids: ArrayLike<number>;
  types: ArrayLike<number>;
  /** RoPE position of each token (default 0..S−1). */
  positions?: ArrayLike<number>;
  /** 0 = the shared prefix, seen by every token; b > 0 = branch b, seen only by itself (default all 0). */
  branches?: ArrayLike<number>;
  /** [T, H] visual features added at the <im_patch> positions (T may be 0). */
  features: Float32Array;
  logitPositions: ArrayLike<number>;
  targets: ArrayLike<number>;
  /** Per answer-token loss weight wᵢ ≥ 0. */
  weights: ArrayLike<number>;
}

export interface StepResult {
  /** Σ wᵢ·CEᵢ / weightTotal of this example. */
  loss: number;
  ce: Float32Array;
  grads: LoraParams;
}

export interface TrainSessionOptions {
  spec: LoraSpec;
  cacheDir: string;
  recompute?: boolean;
  /** onnxruntime graph optimisation level (default 'all'). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Threads inside one op (default onnxruntime's choice; fix it for bit-reproducible runs across machines). */
  threads?: number;
}

/** Writes the training graph (if not there yet); returns its path and the folder its external weights are relative to. */
export function compileTrainGraph(ck: Checkpoint, opts: TrainSessionOptions): { path: string; externalDir: string } {
  assertTrainable(ck);
  checkSpec(opts.spec);
  const wb = bindWeights(ck, { cacheDir: opts.cacheDir, names: decoderWeightNames(ck) });
  const g = buildTrainGraph(ck, wb, { spec: opts.spec, recompute: opts.recompute ?? true });
  const bytes = encodeModel(g, { metadata: { kind: 'lora-train', version: String(TRAIN_GRAPH_VERSION) } });
  const key = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const file = join(wb.graphDir, `molmoscope-lora-train-${key}.onnx`);
  if (!existsSync(file)) {
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  }
  return { path: file, externalDir: wb.externalDir };
}

/** A failed training run as an AppError: out-of-memory (as onnxruntime or the OS words it) is GPU_OOM, so a job pauses. */
export function stepError(err: unknown): AppError {
  const msg = err instanceof Error ? err.message : String(err);
  return new AppError(OUT_OF_MEMORY.test(msg) ? 'GPU_OOM' : 'ENGINE_FAILED', `training step: ${msg}`);
}

const i64 = (a: ArrayLike<number>) =>
  new ort.Tensor('int64', BigInt64Array.from(Array.from(a, (x) => BigInt(x))), [a.length]);

/** Checks a tree's per-token positions and branch ids (integers in range, one per token). */
function checkTree(ck: Checkpoint, ex: TrainExample): void {
  const S = ex.ids.length;
  const maxPos = ck.config.text_config.max_position_embeddings;
  const check = (a: ArrayLike<number> | undefined, what: string, hi: number) => {
    if (a === undefined) return;
    if (a.length !== S) throw new AppError('INVALID_INPUT', `${a.length} ${what} for ${S} tokens`);
    for (let i = 0; i < S; i++) {
      const v = a[i];
      if (v === undefined || !Number.isInteger(v) || v < 0 || v >= hi)
        throw new AppError('INVALID_INPUT', `${what} ${v} at token ${i} is not an integer in 0…${hi - 1}`);
    }
  };
  check(ex.positions, 'positions', maxPos);
  check(ex.branches, 'branch ids', S);
}

/** Validates an example against the checkpoint before it reaches onnxruntime (which would abort on bad indices). */
export function checkExample(ck: Checkpoint, ex: TrainExample): void {
  const S = ex.ids.length;
  const H = ck.config.text_config.hidden_size;
  const V = ck.config.text_config.vocab_size;
  const n = ex.targets.length;
  if (S < 2 || ex.types.length !== S)
    throw new AppError('INVALID_INPUT', `example has ${S} ids and ${ex.types.length} token types`);
  let patches = 0;
  for (let i = 0; i < S; i++) if (ex.ids[i] === ck.config.image_patch_id) patches++;
  if (ex.features.length !== patches * H)
    throw new AppError(
      'INVALID_INPUT',
      `${ex.features.length / H} feature rows of width ${H} for ${patches} <im_patch> tokens`,
    );
  if (n < 1 || ex.logitPositions.length !== n || ex.weights.length !== n)
    throw new AppError('INVALID_INPUT', 'answer positions, targets and weights differ in length or are empty');
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const p = ex.logitPositions[i]!;
    if (!Number.isInteger(p) || p < 0 || p >= S || seen.has(p))
      throw new AppError('INVALID_INPUT', `logit position ${p} is out of range or repeated`);
    seen.add(p);
    const t = ex.targets[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= V)
      throw new AppError('INVALID_INPUT', `target id ${t} is outside the LM head's ${V} outputs`);
    const w = ex.weights[i]!;
    if (!Number.isFinite(w) || w < 0)
      throw new AppError('INVALID_INPUT', `loss weight ${w} is not a finite number ≥ 0`);
  }
  checkTree(ck, ex);
}

/** A loaded training graph for one checkpoint and LoRA rank. */
export class TrainSession {
  private constructor(
    readonly ck: Checkpoint,
    readonly spec: LoraSpec,
    readonly targets: LoraTarget[],
    private session: ort.InferenceSession,
    readonly graphPath: string,
  ) {}

  static async open(ck: Checkpoint, opts: TrainSessionOptions): Promise<TrainSession> {
    const { path, externalDir } = compileTrainGraph(ck, opts);
    const so: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: opts.optimization ?? 'all',
      ...graphSessionOptions(externalDir),
    };
    if (opts.threads !== undefined) so.intraOpNumThreads = opts.threads;
    const session = await ort.InferenceSession.create(readFileSync(path), so);
    return new TrainSession(ck, opts.spec, loraTargets(ck), session, path);
  }

  /** Loss and gradients of one example; `weightTotal` is Σw over the whole accumulation batch. */
  async step(ex: TrainExample, params: LoraParams, weightTotal: number): Promise<StepResult> {
    checkExample(this.ck, ex);
    if (!(weightTotal > 0) || !Number.isFinite(weightTotal))
      throw new AppError('INVALID_INPUT', `weight total ${weightTotal} must be > 0`);
    const H = this.ck.config.text_config.hidden_size;
    const feeds: Record<string, ort.Tensor> = {
      [TRAIN_IO.ids]: i64(ex.ids),
      [TRAIN_IO.types]: i64(ex.types),
      [TRAIN_IO.positions]: i64(ex.positions ?? Array.from({ length: ex.ids.length }, (_, i) => i)),
      [TRAIN_IO.branches]: i64(ex.branches ?? new Array<number>(ex.ids.length).fill(0)),
      [TRAIN_IO.features]: new ort.Tensor('float32', ex.features, [ex.features.length / H, H]),
      [TRAIN_IO.logitPositions]: i64(ex.logitPositions),
      [TRAIN_IO.targets]: i64(ex.targets),
      [TRAIN_IO.weights]: new ort.Tensor('float32', Float32Array.from(ex.weights), [ex.weights.length]),
      [TRAIN_IO.weightTotal]: new ort.Tensor('float32', Float32Array.of(weightTotal), []),
      [TRAIN_IO.zero]: new ort.Tensor('float32', Float32Array.of(0), []),
    };
    for (const t of this.targets) {
      for (const f of ['A', 'B'] as const) {
        const key = f === 'A' ? t.keyA : t.keyB;
        const data = params.get(key);
        const shape = paramShape(t, f, this.spec.rank);
        if (!data || data.length !== shape[0] * shape[1])
          throw new AppError('INVALID_INPUT', `LoRA tensor ${key} missing or not ${shape.join('×')}`);
        feeds[key] = new ort.Tensor('float32', data, shape);
      }
    }
    let out: ort.InferenceSession.ReturnType;
    try {
      out = await this.session.run(feeds);
    } catch (err) {
      throw stepError(err);
    }
    const grads: LoraParams = new Map();
    for (const t of this.targets) {
      for (const key of [t.keyA, t.keyB]) grads.set(key, out[gradName(key)]!.data as Float32Array);
    }
    return { loss: (out[TRAIN_IO.loss]!.data as Float32Array)[0]!, ce: out[TRAIN_IO.ce]!.data as Float32Array, grads };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
