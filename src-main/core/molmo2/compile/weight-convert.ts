// Converts a checkpoint's tensors into one weights file at a precision (fp32, fp16, MatMulNBits int8/int4), streaming
// a slab of rows at a time (bounded memory), into a temporary file renamed into place only when complete.
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { AppError, throwIfCancelled } from '../../../api/errors.js';
import { writeThroughTemp } from '../../platform/temp-file.js';
import { bf16ToF32, f16ToF32, f32ToF16 } from '../checkpoint/safetensors.js';
import { tensorOf, type Checkpoint } from '../weights.js';
import { NBITS, storageOf, type Precision, type StorageKind } from './precision.js';
import { nbitsLayout, quantizeRows, type NBitsLayout } from './quantize.js';

/**
 * Bump when the converted layout or the quantiser changes (old files are then rebuilt, never misread). Versioned per
 * precision so that a change to one layout leaves the others' caches valid: fp16 is 2 since its Linear weights are
 * stored transposed (`f16t`); a version-1 fp16 file holds them [out, in] and must never be read as [in, out].
 */
export const CONVERTER_VERSION: Readonly<Record<Precision, number>> = { fp32: 1, fp16: 2, int8: 1, int4: 1 };
/** Rows are read, converted and written in slabs of at most this many fp32 bytes: the converter's memory bound. */
export const SLAB_BYTES = 32 * 1024 * 1024;
const ALIGN = 64;

export interface Part {
  offset: number;
  length: number;
}

/** One tensor in a converted file: `w` for f32/f16/f16t, `q` + `scales` + `zp` for MatMulNBits. */
export interface StoredTensor {
  kind: StorageKind;
  /** The checkpoint's shape ([out, in] for a Linear); an `f16t` tensor is stored as [dims[1], dims[0]]. */
  dims: number[];
  parts: Record<string, Part>;
  nbits?: NBitsLayout;
}

export interface ConvertedWeights {
  /** File name relative to the directory (external-data location). */
  file: string;
  tensors: Map<string, StoredTensor>;
  bytes: number;
  /** True when this call wrote the file (false: reused). */
  converted: boolean;
}

export interface ConvertOptions {
  dir: string;
  names: string[];
  precision: Precision;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Slab size in fp32 bytes (default SLAB_BYTES; tests make it small to cross slab boundaries on tiny tensors). */
  slabBytes?: number;
}

/** The converted file's name for a precision (fp32 keeps its historical name). */
export function weightsFileName(precision: Precision): string {
  return `weights-${precision === 'fp32' ? 'f32' : precision}.bin`;
}

/** Where each tensor goes in the file; sizes follow from shapes alone, so offsets are known before any data is read. */
export function planConversion(
  ck: Checkpoint,
  names: string[],
  precision: Precision,
): { tensors: Map<string, StoredTensor>; bytes: number } {
  const tensors = new Map<string, StoredTensor>();
  let off = 0;
  const take = (length: number): Part => {
    const p = { offset: off, length };
    off += Math.ceil(length / ALIGN) * ALIGN;
    return p;
  };
  for (const name of names) {
    const dims = tensorOf(ck, name).entry.shape;
    const kind = storageOf(name, dims, precision);
    const numel = dims.reduce((a, b) => a * b, 1);
    if (kind === 'f32' || kind === 'f16' || kind === 'f16t') {
      tensors.set(name, { kind, dims, parts: { w: take(numel * (kind === 'f32' ? 4 : 2)) } });
      continue;
    }
    const l = nbitsLayout(dims[0]!, dims[1]!, NBITS[kind].bits, NBITS[kind].block);
    const parts = { q: take(l.N * l.nBlocks * l.blob), scales: take(l.N * l.nBlocks * 4), zp: take(l.N * l.zpCols) };
    tensors.set(name, { kind, dims, parts, nbits: l });
  }
  return { tensors, bytes: off };
}

/** What identifies a conversion: the converter, the precision, the tensor list and every shard's size and mtime. */
function identity(ck: Checkpoint, names: string[], precision: Precision, bytes: number): string {
  const shards = [...new Set([...ck.tensors.values()].map((t) => t.file))].sort().map((f) => {
    const st = statSync(join(ck.dir, f));
    return [f, st.size, Math.round(st.mtimeMs)];
  });
  return JSON.stringify({ v: CONVERTER_VERSION[precision], precision, source: ck.dir, shards, names, bytes });
}

function writeAll(fd: number, data: ArrayBufferView, position: number): void {
  const u8 = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let done = 0;
  while (done < u8.length) done += writeSync(fd, u8, done, u8.length - done, position + done);
}

/** Reads rows [r0, r1) of a tensor (any float dtype) as fp32; 1-D tensors are one row. */
function readRows(fd: number, ck: Checkpoint, name: string, cols: number, r0: number, r1: number): Float32Array {
  const e = tensorOf(ck, name).entry;
  const size = e.dtype === 'F32' ? 4 : e.dtype === 'BF16' || e.dtype === 'F16' ? 2 : 0;
  if (!size) throw new AppError('MODEL_INVALID', `${name}: dtype ${e.dtype} is not a weight float type`);
  const buf = Buffer.allocUnsafe((r1 - r0) * cols * size);
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, e.offset + r0 * cols * size + done);
    if (n === 0) throw new AppError('MODEL_INVALID', `${ck.dir}: unexpected end of file in ${name}`);
    done += n;
  }
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  if (e.dtype === 'F32') return new Float32Array(ab);
  return e.dtype === 'BF16' ? bf16ToF32(new Uint16Array(ab)) : f16ToF32(new Uint16Array(ab));
}

function partOf(st: StoredTensor, part: string): Part {
  const p = st.parts[part];
  if (!p) throw new AppError('INTERNAL', `a ${st.kind} tensor has no ${part} part`);
  return p;
}

/**
 * Writes source rows [r0, r0 + n) of a [rows, cols] tensor (`f`, n × cols fp32) into its fp16 transpose [cols, rows]
 * at `offset`: in the transpose they are columns r0.., i.e. one run of n values in each of the `cols` output rows
 * (one write when the slab holds every row). Memory stays the slab's: the transposed slab is n × cols fp16.
 */
function writeTransposedF16(
  out: number,
  f: Float32Array,
  n: number,
  cols: number,
  at: { offset: number; rows: number; r0: number },
): void {
  const t = new Float32Array(n * cols);
  for (let r = 0; r < n; r++) for (let c = 0; c < cols; c++) t[c * n + r] = f[r * cols + c] ?? 0;
  const h = f32ToF16(t);
  if (n === at.rows) return writeAll(out, h, at.offset);
  for (let c = 0; c < cols; c++) writeAll(out, h.subarray(c * n, (c + 1) * n), at.offset + (c * at.rows + at.r0) * 2);
}

function convertTensor(
  out: number,
  src: number,
  ck: Checkpoint,
  name: string,
  st: StoredTensor,
  slabBytes: number,
): void {
  const rows = st.dims.length === 2 ? st.dims[0]! : 1;
  const cols = st.dims.reduce((a, b) => a * b, 1) / rows;
  const slab = Math.max(1, Math.floor(slabBytes / (cols * 4)));
  for (let r0 = 0; r0 < rows; r0 += slab) {
    const r1 = Math.min(rows, r0 + slab);
    const f = readRows(src, ck, name, cols, r0, r1);
    if (st.kind === 'f32') writeAll(out, f, st.parts.w!.offset + r0 * cols * 4);
    else if (st.kind === 'f16') writeAll(out, f32ToF16(f), st.parts.w!.offset + r0 * cols * 2);
    else if (st.kind === 'f16t')
      writeTransposedF16(out, f, r1 - r0, cols, { offset: partOf(st, 'w').offset, rows, r0 });
    else {
      const l = st.nbits!;
      const q = quantizeRows(f, r1 - r0, l);
      writeAll(out, q.q, st.parts.q!.offset + r0 * l.nBlocks * l.blob);
      writeAll(out, q.scales, st.parts.scales!.offset + r0 * l.nBlocks * 4);
      writeAll(out, q.zp, st.parts.zp!.offset + r0 * l.zpCols);
    }
  }
}

/** Removes temporary files a killed conversion left behind (their writer's pid is gone). */
function removeStaleTemps(dir: string): void {
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    const m = /\.tmp-(\d+)$/.exec(f);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (err) {
      // ESRCH: the writer is gone. EPERM means it lives (as another user): leave its file alone.
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(dir, f), { force: true });
    }
  }
}

/** Converts every planned tensor into `out`, reading each shard through one descriptor, then pads to the plan's size. */
function convertInto(out: number, ck: Checkpoint, opts: ConvertOptions, plan: ReturnType<typeof planConversion>): void {
  const fds = new Map<string, number>();
  try {
    let done = 0;
    for (const name of opts.names) {
      throwIfCancelled(opts.signal, 'The weight conversion');
      const shard = tensorOf(ck, name).file;
      let fd = fds.get(shard);
      if (fd === undefined) fds.set(shard, (fd = openSync(join(ck.dir, shard), 'r')));
      convertTensor(out, fd, ck, name, plan.tensors.get(name)!, opts.slabBytes ?? SLAB_BYTES);
      opts.onProgress?.(++done, opts.names.length);
    }
    if (fstatSync(out).size < plan.bytes)
      writeAll(out, new Uint8Array(plan.bytes - fstatSync(out).size), fstatSync(out).size);
  } finally {
    for (const fd of fds.values()) closeSync(fd);
  }
}

function writeConverted(
  ck: Checkpoint,
  opts: ConvertOptions,
  plan: ReturnType<typeof planConversion>,
  file: string,
): void {
  writeThroughTemp(file, (out) => convertInto(out, ck, opts, plan), { diskFull: true });
}

/**
 * The converted weights of `names` at `precision` in `dir` (`weights-<precision>.bin` + a `.json` manifest naming
 * the source's identity): reused when the manifest matches and the file has its full size, else rebuilt. The data
 * file is renamed into place before the manifest, so a killed conversion leaves at most a temp file that is never read.
 */
export function convertWeights(ck: Checkpoint, opts: ConvertOptions): ConvertedWeights {
  const plan = planConversion(ck, opts.names, opts.precision);
  const name = weightsFileName(opts.precision);
  const file = join(opts.dir, name);
  const manifest = file.replace(/\.bin$/, '.json');
  const want = identity(ck, opts.names, opts.precision, plan.bytes);
  const fresh =
    existsSync(manifest) &&
    existsSync(file) &&
    readFileSync(manifest, 'utf8') === want &&
    statSync(file).size === plan.bytes;
  if (!fresh) {
    removeStaleTemps(opts.dir);
    rmSync(manifest, { force: true });
    writeConverted(ck, opts, plan, file);
    writeFileSync(`${manifest}.tmp-${process.pid}`, want);
    renameSync(`${manifest}.tmp-${process.pid}`, manifest);
  }
  return { file: name, tensors: plan.tensors, bytes: plan.bytes, converted: !fresh };
}
