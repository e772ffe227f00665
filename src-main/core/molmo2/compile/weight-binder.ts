// Binds checkpoint tensors to graph initializers: external data straight into the .safetensors byte ranges when
// the stored dtype fits the provider, else into a once-converted fp32 weights file written atomically with progress.
import { existsSync, mkdirSync, openSync, closeSync, writeSync, renameSync, rmSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { AppError } from '../../../api/errors.js';
import { readF32, tensorOf, type Checkpoint } from '../weights.js';
import type { Graph, Value } from './graph.js';

export interface WeightBinder {
  /** Directory the .onnx files are written to: always the model cache, never the checkpoint folder. */
  readonly graphDir: string;
  /**
   * Directory the external-data locations are relative to (the shards' real folder, or the cache for converted
   * weights): sessions load the graph bytes with it as onnxruntime's external-initializer folder.
   */
  readonly externalDir: string;
  readonly mode: 'direct' | 'converted';
  /** An initializer for HF tensor `name` in `g`'s root graph (one per root graph). */
  bind(g: Graph, name: string): Value;
}

export interface BindOptions {
  /** Where converted weights and their graphs go (the app's model cache). */
  cacheDir: string;
  /** The tensor names the graphs will use. */
  names: string[];
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
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

class Binder implements WeightBinder {
  private bound = new WeakMap<Graph, Map<string, Value>>();
  constructor(
    readonly graphDir: string,
    readonly externalDir: string,
    readonly mode: 'direct' | 'converted',
    private locate: (name: string) => { location: string; offset: number; length: number; dims: number[] },
  ) {}
  bind(g: Graph, name: string): Value {
    const root = g.root();
    let m = this.bound.get(root);
    if (!m) this.bound.set(root, (m = new Map()));
    let v = m.get(name);
    if (!v) {
      const l = this.locate(name);
      v = root.external({ dtype: 'float32', dims: l.dims, location: l.location, offset: l.offset, length: l.length }, name);
      m.set(name, v);
    }
    return v;
  }
}

/**
 * Chooses how weights are referenced for an fp32 (CPU) graph: direct when every tensor is F32 and the shards' real
 * files share one folder (ORT only accepts external files at or below its external-initializer folder, no symlinks
 * out of it, no absolute paths — measured with onnxruntime-node 1.30), else a converted fp32 file in cacheDir.
 * Graphs are written to cacheDir either way: the checkpoint folder is never written to.
 */
export function bindWeights(ck: Checkpoint, opts: BindOptions): WeightBinder {
  const entries = opts.names.map((n) => ({ name: n, t: tensorOf(ck, n) }));
  const shards = entries.every((e) => e.t.entry.dtype === 'F32') ? shardFolder(ck, entries.map((e) => e.t.file)) : null;
  if (shards) {
    mkdirSync(opts.cacheDir, { recursive: true });
    return new Binder(opts.cacheDir, shards.dir, 'direct', (name) => {
      const t = tensorOf(ck, name);
      return { location: shards.names.get(t.file)!, offset: t.entry.offset, length: t.entry.length, dims: t.entry.shape };
    });
  }
  const layout = new Map<string, { offset: number; length: number; dims: number[] }>();
  let off = 0;
  for (const e of entries) {
    const len = e.t.entry.shape.reduce((a, b) => a * b, 1) * 4;
    layout.set(e.name, { offset: off, length: len, dims: e.t.entry.shape });
    off += len;
  }
  const dir = opts.cacheDir;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'weights-f32.bin');
  const manifest = join(dir, 'weights-f32.json');
  const want = JSON.stringify({ source: ck.dir, names: opts.names, bytes: off });
  const have = existsSync(manifest) && existsSync(file) ? readFileSync(manifest, 'utf8') : '';
  if (have !== want) {
    const tmp = `${file}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w');
    try {
      let done = 0;
      for (const e of entries) {
        if (opts.signal?.aborted) throw new AppError('CANCELLED', 'weight conversion cancelled');
        const f = readF32(ck, e.name);
        writeSync(fd, new Uint8Array(f.buffer, f.byteOffset, f.byteLength), 0, f.byteLength, layout.get(e.name)!.offset);
        done++;
        opts.onProgress?.(done, entries.length);
      }
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new AppError('DISK_FULL', `no space to write ${file}`);
      throw err;
    }
    closeSync(fd);
    renameSync(tmp, file);
    writeFileSync(`${manifest}.tmp`, want);
    renameSync(`${manifest}.tmp`, manifest);
  }
  const location = relative(dir, file);
  return new Binder(dir, dir, 'converted', (name) => {
    const l = layout.get(name);
    if (!l) throw new AppError('INTERNAL', `weight ${name} was not listed for conversion`);
    return { location, ...l };
  });
}
