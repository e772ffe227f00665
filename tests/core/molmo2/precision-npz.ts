// Reads the reference fixtures' .npz files (zip of .npy, stored or deflated) into typed arrays: int32 and float32,
// little-endian, C order — all the parity fixtures use (see ../shared/reference/parity/README.md).
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export interface NpyArray {
  shape: number[];
  data: Float32Array | Int32Array;
}

function npy(buf: Buffer): NpyArray {
  const hlen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + hlen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error('fortran-order .npy is not supported');
  const body = buf.subarray(10 + hlen);
  const ab = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
  if (descr === '<f4') return { shape, data: new Float32Array(ab) };
  if (descr === '<i4') return { shape, data: new Int32Array(ab) };
  throw new Error(`.npy dtype ${descr} is not supported`);
}

/** Every member of an .npz, by name without `.npy`. */
export function readNpz(file: string): Map<string, NpyArray> {
  const z = readFileSync(file);
  let eocd = z.length - 22;
  while (eocd >= 0 && z.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${file}: not a zip file`);
  const count = z.readUInt16LE(eocd + 10);
  let p = z.readUInt32LE(eocd + 16);
  const out = new Map<string, NpyArray>();
  for (let i = 0; i < count; i++) {
    const method = z.readUInt16LE(p + 10);
    const size = z.readUInt32LE(p + 20);
    const nameLen = z.readUInt16LE(p + 28);
    const extraLen = z.readUInt16LE(p + 30);
    const commentLen = z.readUInt16LE(p + 32);
    const local = z.readUInt32LE(p + 42);
    const name = z.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const start = local + 30 + z.readUInt16LE(local + 26) + z.readUInt16LE(local + 28);
    const raw = z.subarray(start, start + size);
    out.set(name.replace(/\.npy$/, ''), npy(method === 8 ? inflateRawSync(raw) : Buffer.from(raw)));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
