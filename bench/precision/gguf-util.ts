// GGUF (ggml's single-file model format, ggml docs/gguf.md, version 3): a streaming writer, a header reader and the
// block quantisers the comparison with llama.cpp needs (Q4_0, Q8_0; F16/F32 stored as is). Bench tooling, written
// from the format's documentation: header (magic, version, tensor count, KV count), typed KV metadata, tensor infos
// (name, dims innermost first, ggml type, offset from the data section), padding to `general.alignment`, data.
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { f16ToF32, f32ToF16 } from '../../src-main/core/molmo2/checkpoint/safetensors.js';

const MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const VERSION = 3;
export const DEFAULT_ALIGNMENT = 32;
/** Elements per quantisation block (Q4_0 and Q8_0). */
export const QK = 32;

/** ggml tensor types written here (ggml.h enum values). */
export const GGML_TYPES = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8 } as const;
export type GgmlType = keyof typeof GGML_TYPES;

/** GGUF metadata value types (gguf_metadata_value_type). */
const VT = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;
type Scalar = 'u32' | 'i32' | 'f32' | 'bool' | 'string' | 'u64';
export type GgufValue =
  | { type: 'u32' | 'i32' | 'f32' | 'u64'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; of: 'string'; value: string[] }
  | { type: 'array'; of: 'i32' | 'u32' | 'f32'; value: number[] };

export interface GgufTensorSpec {
  name: string;
  /** ggml order: dims[0] is the contiguous (innermost) one; a PyTorch Linear weight [out, in] is [in, out]. */
  dims: number[];
  type: GgmlType;
  /** Writes the tensor's bytes, in order, through `put` (any chunking); the total must equal ggufTensorBytes. */
  write: (put: (bytes: Uint8Array) => void) => void;
}

/** Bytes of a tensor of `dims` stored as `type` (quantised types need dims[0] to be a multiple of 32). */
export function ggufTensorBytes(dims: readonly number[], type: GgmlType): number {
  const n = dims.reduce((a, d) => a * d, 1);
  if (type === 'F32') return 4 * n;
  if (type === 'F16') return 2 * n;
  if ((dims[0] ?? 0) % QK !== 0)
    throw new Error(`${type} needs the innermost dimension to be a multiple of ${QK}, got ${dims[0]}`);
  return (n / QK) * (type === 'Q4_0' ? 18 : 34);
}

/** Little-endian byte sink for the header part (metadata and tensor infos). */
class Bytes {
  private chunks: Buffer[] = [];
  length = 0;
  private push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  /** Pushes an `n`-byte little-endian field filled by `write`. */
  private fixed(n: number, write: (b: Buffer) => void): void {
    const b = Buffer.alloc(n);
    write(b);
    this.push(b);
  }
  u32(v: number): void {
    this.fixed(4, (b) => b.writeUInt32LE(v >>> 0));
  }
  i32(v: number): void {
    this.fixed(4, (b) => b.writeInt32LE(v));
  }
  u64(v: number): void {
    this.fixed(8, (b) => b.writeBigUInt64LE(BigInt(v)));
  }
  f32(v: number): void {
    this.fixed(4, (b) => b.writeFloatLE(v));
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  raw(b: Buffer): void {
    this.push(b);
  }
  done(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeScalar(out: Bytes, type: Scalar, v: number | string | boolean): void {
  if (type === 'string') out.str(String(v));
  else if (type === 'bool') out.raw(Buffer.of(v ? 1 : 0));
  else if (type === 'u64') out.u64(Number(v));
  else if (type === 'i32') out.i32(Number(v));
  else if (type === 'f32') out.f32(Number(v));
  else out.u32(Number(v));
}

function writeValue(out: Bytes, v: GgufValue): void {
  out.u32(VT[v.type]);
  if (v.type !== 'array') return writeScalar(out, v.type, v.value);
  out.u32(VT[v.of]);
  out.u64(v.value.length);
  for (const x of v.value) writeScalar(out, v.of, x);
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/**
 * Writes a GGUF file: metadata in insertion order, then the tensors' infos and their data in `tensors` order, each
 * at an offset aligned to `general.alignment` (added when absent). Data is streamed tensor by tensor, so memory is
 * bounded by the largest chunk a tensor's `write` produces. Written to a temp file and renamed into place.
 */
export function writeGguf(
  path: string,
  metadata: Map<string, GgufValue>,
  tensors: GgufTensorSpec[],
): { bytes: number } {
  const align = metadata.get('general.alignment')?.value ?? DEFAULT_ALIGNMENT;
  if (typeof align !== 'number' || align <= 0 || align % 8 !== 0)
    throw new Error(`general.alignment must be a positive multiple of 8, got ${String(align)}`);
  const names = new Set<string>();
  const head = new Bytes();
  head.u32(MAGIC);
  head.u32(VERSION);
  head.u64(tensors.length);
  head.u64(metadata.size);
  for (const [k, v] of metadata) {
    head.str(k);
    writeValue(head, v);
  }
  const offsets: number[] = [];
  let off = 0;
  for (const t of tensors) {
    if (names.has(t.name)) throw new Error(`duplicate tensor name ${t.name}`);
    names.add(t.name);
    head.str(t.name);
    head.u32(t.dims.length);
    for (const d of t.dims) head.u64(d);
    head.u32(GGML_TYPES[t.type]);
    head.u64(off);
    offsets.push(off);
    off = alignUp(off + ggufTensorBytes(t.dims, t.type), align);
  }
  const header = head.done();
  const dataStart = alignUp(header.length, align);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    let pos = 0;
    const put = (b: Uint8Array) => {
      let done = 0;
      while (done < b.length) done += writeSync(fd, b, done, b.length - done, pos + done);
      pos += b.length;
    };
    put(header);
    put(new Uint8Array(dataStart - header.length));
    tensors.forEach((t, i) => {
      const start = dataStart + (offsets[i] ?? 0);
      if (pos < start) put(new Uint8Array(start - pos));
      t.write(put);
      const want = ggufTensorBytes(t.dims, t.type);
      if (pos - start !== want)
        throw new Error(
          `${t.name}: wrote ${pos - start} bytes, its ${t.type} ${t.dims.join('×')} layout needs ${want}`,
        );
    });
    if (pos < dataStart + off) put(new Uint8Array(dataStart + off - pos));
    closeSync(fd);
    renameSync(tmp, path);
    return { bytes: pos };
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Per block of 32: the scale d (fp32) from `scale(block)`, and the same scales as fp16 bits (one conversion per call). */
function blockScales(x: Float32Array, scale: (b: number) => number): { d: Float32Array; bits: Uint16Array } {
  if (x.length % QK !== 0) throw new Error(`block quantisation needs a multiple of ${QK} values, got ${x.length}`);
  const d = new Float32Array(x.length / QK);
  for (let b = 0; b < d.length; b++) d[b] = scale(b * QK);
  return { d, bits: f32ToF16(d) };
}

/**
 * Lays out blocks of `blockBytes`: the fp16 scale `bits` in the first two bytes (little-endian), then `codes` writes
 * the block's codes for the values from element b on, given the inverse scale `id` (0 where the scale is 0).
 */
function encodeBlocks(
  d: Float32Array,
  bits: Uint16Array,
  blockBytes: number,
  codes: (out: Uint8Array, o: number, b: number, id: number) => void,
): Uint8Array {
  const out = new Uint8Array(d.length * blockBytes);
  for (let blk = 0; blk < d.length; blk++) {
    const o = blk * blockBytes;
    const db = d[blk] ?? 0;
    const h = bits[blk] ?? 0;
    out[o] = h & 0xff;
    out[o + 1] = h >> 8;
    codes(out, o, blk * QK, db === 0 ? 0 : 1 / db);
  }
  return out;
}

/** Q4_0 (per block of 32: fp16 scale d, 16 bytes of nibbles; x ≈ (q − 8)·d; element j in the low nibble of byte j, element j+16 in its high nibble). */
export function quantizeQ4_0(x: Float32Array): Uint8Array {
  // d = (the signed value of largest magnitude) / −8: that value maps to code 0, the one code with no positive twin.
  const { d, bits } = blockScales(x, (b) => {
    let max = 0;
    for (let j = b; j < b + QK; j++) {
      const v = x[j] ?? 0;
      if (Math.abs(v) > Math.abs(max)) max = v;
    }
    return max / -8;
  });
  return encodeBlocks(d, bits, 18, (out, o, b, id) => {
    for (let j = 0; j < QK / 2; j++) {
      const lo = Math.min(15, Math.trunc((x[b + j] ?? 0) * id + 8.5));
      const hi = Math.min(15, Math.trunc((x[b + j + QK / 2] ?? 0) * id + 8.5));
      out[o + 2 + j] = lo | (hi << 4);
    }
  });
}

/** Q8_0 (per block of 32: fp16 scale d = max|x|/127, 32 int8 codes; x ≈ q·d). */
export function quantizeQ8_0(x: Float32Array): Uint8Array {
  const { d, bits } = blockScales(x, (b) => {
    let amax = 0;
    for (let j = b; j < b + QK; j++) amax = Math.max(amax, Math.abs(x[j] ?? 0));
    return amax / 127;
  });
  return encodeBlocks(d, bits, 34, (out, o, b, id) => {
    for (let j = 0; j < QK; j++) {
      const v = (x[b + j] ?? 0) * id;
      // halves away from zero, as C's roundf; a Uint8Array stores a negative code as its two's-complement byte
      out[o + 2 + j] = v < 0 ? -Math.round(-v) : Math.round(v);
    }
  });
}

/** Values of `data` (a whole number of blocks, or F32/F16 elements) stored as `type`. */
export function dequantize(type: GgmlType, data: Uint8Array): Float32Array {
  if (type === 'F32') return new Float32Array(data.slice().buffer);
  if (type === 'F16') return f16ToF32(new Uint16Array(data.slice().buffer));
  const bs = type === 'Q4_0' ? 18 : 34;
  const out = new Float32Array((data.length / bs) * QK);
  for (let b = 0; b * bs < data.length; b++) {
    const o = b * bs;
    const d = f16ToF32(Uint16Array.of((data[o] ?? 0) | ((data[o + 1] ?? 0) << 8)))[0] ?? 0;
    for (let j = 0; j < QK; j++) {
      if (type === 'Q8_0') out[b * QK + j] = (((data[o + 2 + j] ?? 0) << 24) >> 24) * d;
      else {
        const byte = data[o + 2 + (j % 16)] ?? 0;
        out[b * QK + j] = ((j < 16 ? byte & 15 : byte >> 4) - 8) * d;
      }
    }
  }
  return out;
}

export type GgufReadValue = number | bigint | boolean | string | (number | bigint | boolean | string)[];
export interface GgufTensorInfo {
  name: string;
  dims: number[];
  type: number;
  /** Absolute byte offset of the tensor's data in the file. */
  offset: number;
}
export interface GgufHeader {
  version: number;
  alignment: number;
  metadata: Map<string, GgufReadValue>;
  tensors: GgufTensorInfo[];
  dataStart: number;
  fileBytes: number;
}

/** Fixed-size GGUF value types: their byte width and how to read one at a position. */
const SCALAR_READS: Partial<Record<number, [number, (b: Buffer, p: number) => number | bigint | boolean]>> = {
  [VT.u8]: [1, (b, p) => b.readUInt8(p)],
  [VT.i8]: [1, (b, p) => b.readInt8(p)],
  [VT.u16]: [2, (b, p) => b.readUInt16LE(p)],
  [VT.i16]: [2, (b, p) => b.readInt16LE(p)],
  [VT.u32]: [4, (b, p) => b.readUInt32LE(p)],
  [VT.i32]: [4, (b, p) => b.readInt32LE(p)],
  [VT.f32]: [4, (b, p) => b.readFloatLE(p)],
  [VT.bool]: [1, (b, p) => b.readUInt8(p) !== 0],
  [VT.u64]: [8, (b, p) => b.readBigUInt64LE(p)],
  [VT.i64]: [8, (b, p) => b.readBigInt64LE(p)],
  [VT.f64]: [8, (b, p) => b.readDoubleLE(p)],
};

/** Bounded reader over the start of a file: every length is checked against the bytes that exist. */
class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): number {
    if (n < 0 || this.pos + n > this.buf.length)
      throw new Error(`GGUF header truncated or corrupt at byte ${this.pos} (needs ${n} more)`);
    const p = this.pos;
    this.pos += n;
    return p;
  }
  u8 = () => this.buf.readUInt8(this.need(1));
  u32 = () => this.buf.readUInt32LE(this.need(4));
  u64(): number {
    const v = this.buf.readBigUInt64LE(this.need(8));
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`GGUF value ${v} too large at byte ${this.pos - 8}`);
    return Number(v);
  }
  str = () => {
    const n = this.u64();
    const p = this.need(n);
    return this.buf.toString('utf8', p, p + n);
  };
  scalar(t: number): number | bigint | boolean | string {
    if (t === VT.string) return this.str();
    const r = SCALAR_READS[t];
    if (!r) throw new Error(`unknown GGUF value type ${t} at byte ${this.pos - 4}`);
    return r[1](this.buf, this.need(r[0]));
  }
  value(): GgufReadValue {
    const t = this.u32();
    if (t !== VT.array) return this.scalar(t);
    const et = this.u32();
    const n = this.u64();
    if (et === VT.array) throw new Error('nested GGUF arrays are not supported');
    if (n > this.buf.length) throw new Error(`GGUF array of ${n} elements exceeds the file`);
    return Array.from({ length: n }, () => this.scalar(et));
  }
}

/** Reads a GGUF file's header, metadata and tensor infos (reads at most `maxHeaderBytes`; no tensor data). */
export function readGgufHeader(path: string, maxHeaderBytes = 64 * 1024 * 1024): GgufHeader {
  const fd = openSync(path, 'r');
  let buf: Buffer;
  let fileBytes: number;
  try {
    fileBytes = fstatSync(fd).size;
    buf = Buffer.alloc(Math.min(fileBytes, maxHeaderBytes));
    readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  const r = new Reader(buf);
  if (r.u32() !== MAGIC) throw new Error(`${path}: not a GGUF file (bad magic)`);
  const version = r.u32();
  if (version !== VERSION) throw new Error(`${path}: GGUF version ${version}, only ${VERSION} is read`);
  const nTensors = r.u64();
  const nKv = r.u64();
  if (nTensors > buf.length || nKv > buf.length)
    throw new Error(`${path}: ${nTensors} tensors / ${nKv} keys cannot fit the header`);
  const metadata = new Map<string, GgufReadValue>();
  for (let i = 0; i < nKv; i++) {
    const k = r.str();
    if (metadata.has(k)) throw new Error(`${path}: duplicate key ${k}`);
    metadata.set(k, r.value());
  }
  const a = metadata.get('general.alignment') ?? DEFAULT_ALIGNMENT;
  if (typeof a !== 'number' || a <= 0 || a % 8 !== 0) throw new Error(`${path}: bad general.alignment ${String(a)}`);
  const infos: GgufTensorInfo[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = r.str();
    const nd = r.u32();
    if (nd > 4) throw new Error(`${path}: tensor ${name} has ${nd} dims (ggml has at most 4)`);
    const dims = Array.from({ length: nd }, () => r.u64());
    infos.push({ name, dims, type: r.u32(), offset: r.u64() });
  }
  const dataStart = alignUp(r.pos, a);
  const tensors = infos.map((t) => {
    if (t.offset % a !== 0) throw new Error(`${path}: tensor ${t.name} offset ${t.offset} is not aligned to ${a}`);
    return { ...t, offset: dataStart + t.offset };
  });
  return { version, alignment: a, metadata, tensors, dataStart, fileBytes };
}

/** The bytes of one tensor (for tests and checks on small files). */
export function readGgufTensor(path: string, h: GgufHeader, name: string): { type: GgmlType; data: Uint8Array } {
  const t = h.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`${path}: no tensor ${name}`);
  const type = (Object.keys(GGML_TYPES) as GgmlType[]).find((k) => GGML_TYPES[k] === t.type);
  if (!type) throw new Error(`${path}: tensor ${name} has ggml type ${t.type}, which this reader does not decode`);
  const n = ggufTensorBytes(t.dims, type);
  if (t.offset + n > h.fileBytes) throw new Error(`${path}: tensor ${name} runs past the end of the file`);
  const buf = Buffer.alloc(n);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, n, t.offset);
  } finally {
    closeSync(fd);
  }
  return { type, data: new Uint8Array(buf.buffer, buf.byteOffset, n) };
}
