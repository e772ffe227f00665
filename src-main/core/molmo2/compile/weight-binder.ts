// Binds checkpoint tensors to graph initializers at a weight precision: fp32 external data straight into the
// .safetensors byte ranges when the checkpoint allows, else into a once-converted weights file in the cache.
import { mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AppError } from '../../../api/errors.js';
import { tensorOf, type Checkpoint } from '../weights.js';
import { MS_DOMAIN } from './emit.js';
import type { DType, Graph, Value } from './graph.js';
import * as o from './ops.js';
import { NBITS_ACCURACY_LEVEL, type Precision } from './precision.js';
import { convertWeights, planConversion, weightsFileName, type Part, type StoredTensor } from './weight-convert.js';

export interface WeightBinder {
  /** Directory the .onnx files are written to: always the model cache, never the checkpoint folder. */
  readonly graphDir: string;
  /**
   * Directory the external-data locations are relative to (the shards' real folder, or the cache for converted
   * weights): sessions load the graph bytes with it as onnxruntime's external-initializer folder.
   */
  readonly externalDir: string;
  readonly mode: 'direct' | 'converted';
  readonly precision: Precision;
  /** An fp32 initializer for HF tensor `name` (norms, biases, positional tables); one per root graph. */
  bind(g: Graph, name: string): Value;
  /** x [M,K] · Wᵀ (+ bias) for a Linear weight [N,K] at the binder's precision; fp32 in and out. */
  linear(g: Graph, x: Value, name: string, bias?: string): Value;
  /** Rows `idx` of an embedding table, fp32. */
  gatherRows(g: Graph, name: string, idx: Value): Value;
}

export interface BindOptions {
  /** Where converted weights and their graphs go (the app's model cache); a precision below fp32 uses a subfolder. */
  cacheDir: string;
  /** The tensor names the graphs will use. */
  names: string[];
  precision?: Precision;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Lay out the converted file without writing it (graph-size checks on real shapes). */
  planOnly?: boolean;
}

/**
 * The one real folder holding every shard (symlinks resolved: a Hugging Face cache snapshot links into blobs/), with
 * each shard's real file name, or null when the shards' real files lie in different folders.
 */
function shardFolder(ck: Checkpoint, files: string[]): { dir: string; names: Map<string, string> } | null {
  const names = new Map<string, string>();
  let dir: string | null = null;
  for (const f of new Set(files)) {
    const real = realpathSync(join(ck.dir, f));
    if (dir !== null && dirname(real) !== dir) return null;
    dir = dirname(real);
    names.set(f, basename(real));
  }
  return dir === null ? null : { dir, names };
}

function twoDims(name: string, dims: readonly number[]): [number, number] {
  const [n, k] = dims;
  if (dims.length !== 2 || n === undefined || k === undefined)
    throw new AppError('INTERNAL', `weight ${name} is not 2-D (${dims.join('×')})`);
  return [n, k];
}

type Locate = (name: string) => StoredTensor & { location: string };

class Binder implements WeightBinder {
  private bound = new WeakMap<Graph, Map<string, Value>>();
  constructor(
    readonly graphDir: string,
    readonly externalDir: string,
    readonly mode: 'direct' | 'converted',
    readonly precision: Precision,
    private locate: Locate,
  ) {}

  private part(g: Graph, name: string, part: string, dtype: DType, dims: number[]): Value {
    const root = g.root();
    let m = this.bound.get(root);
    if (!m) this.bound.set(root, (m = new Map()));
    const key = `${name}#${part}`;
    let v = m.get(key);
    if (!v) {
      const t = this.locate(name);
      const p: Part | undefined = t.parts[part];
      if (!p) throw new AppError('INTERNAL', `weight ${name} has no ${part} part (stored ${t.kind})`);
      v = root.external(
        { dtype, dims, location: t.location, offset: p.offset, length: p.length },
        part === 'w' ? name : `${name}.${part}`,
      );
      m.set(key, v);
    }
    return v;
  }

  bind(g: Graph, name: string): Value {
    const t = this.locate(name);
    if (t.kind === 'f32') return this.part(g, name, 'w', 'float32', t.dims);
    if (t.kind === 'f16') return o.cast(g, this.part(g, name, 'w', 'float16', t.dims), 'float32');
    throw new AppError('INTERNAL', `weight ${name} is stored ${t.kind}; it can only be used through linear()`);
  }

  linear(g: Graph, x: Value, name: string, bias?: string): Value {
    const t = this.locate(name);
    const b = bias ? this.bind(g, bias) : undefined;
    if (t.kind === 'f32') return o.linear(g, x, this.part(g, name, 'w', 'float32', t.dims), b);
    let y: Value;
    if (t.kind === 'f16t') {
      // fp16 MatMul on fp16 activations (CPU has the kernel; measured 2e-4 relative error). The converter stored the
      // weight transposed, [in, out], so no Transpose node (folded into a second copy at session load) is needed.
      const [n, k] = twoDims(name, t.dims);
      y = o.cast(g, o.matmul(g, o.cast(g, x, 'float16'), this.part(g, name, 'w', 'float16', [k, n])), 'float32');
    } else if (t.kind === 'f16') {
      throw new AppError(
        'INTERNAL',
        `weight ${name} is stored fp16 [out, in] (an embedding table); a Linear needs f16t`,
      );
    } else {
      const l = t.nbits!;
      const ins = [
        x,
        this.part(g, name, 'q', 'uint8', [l.N, l.nBlocks, l.blob]),
        this.part(g, name, 'scales', 'float32', [l.N * l.nBlocks]),
        this.part(g, name, 'zp', 'uint8', [l.N * l.zpCols]),
      ];
      const attrs = { K: l.K, N: l.N, bits: l.bits, block_size: l.block, accuracy_level: NBITS_ACCURACY_LEVEL };
      y = g.add('MatMulNBits', ins, [{ dtype: 'float32', shape: [x.shape?.[0] ?? 'M', l.N] }], attrs, MS_DOMAIN)[0]!;
    }
    return b ? o.add(g, y, b) : y;
  }

  gatherRows(g: Graph, name: string, idx: Value): Value {
    const t = this.locate(name);
    // Gather from the fp16 table, then cast: only the gathered rows are widened (a Cast of the whole table would be
    // constant-folded into an fp32 copy when the session loads).
    if (t.kind === 'f16') return o.cast(g, o.gather(g, this.part(g, name, 'w', 'float16', t.dims), idx, 0), 'float32');
    return o.gather(g, this.bind(g, name), idx, 0);
  }
}

/**
 * Chooses how weights are referenced: direct fp32 when the precision is fp32, every tensor is F32 and the shards'
 * real files share one folder (ORT only accepts external files at or below its external-initializer folder, no
 * symlinks out of it, no absolute paths — measured with onnxruntime-node 1.30); else a weights file converted once
 * into cacheDir (fp32) or cacheDir/<precision> (fp16, int8, int4), streamed a slab at a time. Graphs are written to
 * the cache either way: the checkpoint folder is never written to.
 */
export function bindWeights(ck: Checkpoint, opts: BindOptions): WeightBinder {
  const precision = opts.precision ?? 'fp32';
  const allF32 = opts.names.every((n) => tensorOf(ck, n).entry.dtype === 'F32');
  const shards =
    precision === 'fp32' && allF32
      ? shardFolder(
          ck,
          opts.names.map((n) => tensorOf(ck, n).file),
        )
      : null;
  if (shards) {
    mkdirSync(opts.cacheDir, { recursive: true });
    return new Binder(opts.cacheDir, shards.dir, 'direct', precision, (name) => {
      const t = tensorOf(ck, name);
      return {
        kind: 'f32',
        dims: t.entry.shape,
        location: shards.names.get(t.file)!,
        parts: { w: { offset: t.entry.offset, length: t.entry.length } },
      };
    });
  }
  const dir = precision === 'fp32' ? opts.cacheDir : join(opts.cacheDir, precision);
  mkdirSync(dir, { recursive: true });
  const cw = opts.planOnly
    ? { ...planConversion(ck, opts.names, precision), file: weightsFileName(precision) }
    : convertWeights(ck, { dir, names: opts.names, precision, onProgress: opts.onProgress, signal: opts.signal });
  return new Binder(dir, dir, 'converted', precision, (name) => {
    const t = cw.tensors.get(name);
    if (!t) throw new AppError('INTERNAL', `weight ${name} was not listed for conversion`);
    return { ...t, location: cw.file };
  });
}
