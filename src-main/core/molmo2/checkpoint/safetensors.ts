// Reading and writing .safetensors files: the header (names, dtypes, shapes, byte ranges) and tensor data.
// Readers never load a whole shard; they read the header and then exact byte ranges on demand.
import { closeSync, openSync, readSync, writeSync, fstatSync } from 'node:fs';
import { AppError } from '../../../api/errors.js';
import { writeThroughTemp } from '../../platform/temp-file.js';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte offset of the tensor's data inside the file. */
  offset: number;
  /** Length in bytes. */
  length: number;
}

export interface SafetensorsHeader {
  file: string;
  /** Bytes of the whole file. */
  size: number;
  /** Offset where the data section starts (8 + header length). */
  dataStart: number;
  metadata: Record<string, string>;
  tensors: Map<string, TensorEntry>;
}

const MAX_HEADER = 100 * 1024 * 1024;

/** Reads and validates the header of a .safetensors file (no tensor data is read). */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'NOT_FOUND' : 'MODEL_INVALID';
    throw new AppError(code, `cannot open ${file}: ${(err as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw new AppError('MODEL_INVALID', `${file}: too short to be a safetensors file`);
    const lenBuf = Buffer.alloc(8);
    readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
      throw new AppError('MODEL_INVALID', `${file}: bad safetensors header length ${headerLen}`);
    }
    const hb = Buffer.alloc(headerLen);
    readSync(fd, hb, 0, headerLen, 8);
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(hb.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new AppError('MODEL_INVALID', `${file}: safetensors header is not valid JSON`);
    }
    const dataStart = 8 + headerLen;
    const tensors = new Map<string, TensorEntry>();
    let metadata: Record<string, string> = {};
    for (const [name, v] of Object.entries(json)) {
      if (name === '__metadata__') {
        metadata = (v ?? {}) as Record<string, string>;
        continue;
      }
      const e = v as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
      if (!e || typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) {
        throw new AppError('MODEL_INVALID', `${file}: tensor ${name} has a malformed header entry`);
      }
      const dtype = e.dtype as SafetensorsDtype;
      if (!(dtype in DTYPE_BYTES))
        throw new AppError('MODEL_INVALID', `${file}: tensor ${name} has unsupported dtype ${e.dtype}`);
      const [b, en] = e.data_offsets;
      const numel = e.shape.reduce((a, d) => a * d, 1);
      if (en - b !== numel * DTYPE_BYTES[dtype] || dataStart + en > size || b < 0) {
        throw new AppError(
          'MODEL_INVALID',
          `${file}: tensor ${name} byte range [${b},${en}) does not match shape ${JSON.stringify(e.shape)} ${dtype} or the file size`,
        );
      }
      tensors.set(name, { name, dtype, shape: e.shape, offset: dataStart + b, length: en - b });
    }
    return { file, size, dataStart, metadata, tensors };
  } finally {
    closeSync(fd);
  }
}

/** Reads one tensor's raw bytes. */
export function readTensorBytes(file: string, entry: TensorEntry): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(entry.length);
    let done = 0;
    while (done < entry.length) {
      const n = readSync(fd, buf, done, entry.length - done, entry.offset + done);
      if (n === 0) throw new AppError('MODEL_INVALID', `${file}: unexpected end of file in ${entry.name}`);
      done += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

// The dtype conversions below index in bounds by their loop bounds: plain `!` access.

/** Converts bf16 bits to float32 values. */
export function bf16ToF32(src: Uint16Array): Float32Array {
  const out = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]! << 16;
  return new Float32Array(out.buffer);
}

/** Converts float32 values to bf16 bits with round-to-nearest-even (as PyTorch does). */
export function f32ToBf16(src: Float32Array): Uint16Array {
  const u = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < u.length; i++) {
    const x = u[i]!;
    if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) out[i] = 0x7fc0;
    else out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** Converts IEEE half bits to float32 values. */
export function f16ToF32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const h = src[i]!;
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    out[i] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}

/** Converts float32 values to IEEE half bits (round-to-nearest-even). */
export function f32ToF16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < src.length; i++) {
    f[0] = src[i]!;
    const x = u[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    let e = exp - 127 + 15;
    if (e >= 31) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let hm = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rem > half || (rem === half && hm & 1)) hm++;
      out[i] = sign | hm;
      continue;
    }
    let hm = mant >>> 13;
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && hm & 1)) {
      hm++;
      if (hm === 0x400) {
        hm = 0;
        e++;
        if (e >= 31) {
          out[i] = sign | 0x7c00;
          continue;
        }
      }
    }
    out[i] = sign | (e << 10) | hm;
  }
  return out;
}

/** Reads a tensor as float32 whatever its stored float dtype. */
export function readTensorF32(file: string, entry: TensorEntry): Float32Array {
  const b = readTensorBytes(file, entry);
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  switch (entry.dtype) {
    case 'F32':
      return new Float32Array(ab);
    case 'BF16':
      return bf16ToF32(new Uint16Array(ab));
    case 'F16':
      return f16ToF32(new Uint16Array(ab));
    case 'F64':
      return Float32Array.from(new Float64Array(ab));
    default:
      throw new AppError('MODEL_INVALID', `${entry.name}: dtype ${entry.dtype} is not a float type`);
  }
}

export interface TensorToWrite {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  data: ArrayBufferView;
}

/** Writes a .safetensors file atomically (temp file + rename); tensors are written in the given order. */
export function writeSafetensors(file: string, tensors: TensorToWrite[], metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let off = 0;
  for (const t of tensors) {
    const numel = t.shape.reduce((a, d) => a * d, 1);
    if (t.data.byteLength !== numel * DTYPE_BYTES[t.dtype]) {
      throw new AppError(
        'INTERNAL',
        `writeSafetensors: ${t.name} has ${t.data.byteLength} bytes, expected ${numel * DTYPE_BYTES[t.dtype]}`,
      );
    }
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.data.byteLength] };
    off += t.data.byteLength;
  }
  let hjson = JSON.stringify(header);
  // Pad the header with spaces so the data section starts 8-byte aligned, as the reference writer does.
  const pad = (8 - ((8 + Buffer.byteLength(hjson)) % 8)) % 8;
  hjson += ' '.repeat(pad);
  const hb = Buffer.from(hjson, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(hb.length));
  writeThroughTemp(file, (fd) => {
    writeSync(fd, len);
    writeSync(fd, hb);
    for (const t of tensors) writeSync(fd, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });
}
