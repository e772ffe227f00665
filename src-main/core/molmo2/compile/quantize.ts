// Block-wise weight-only quantisation in onnxruntime's MatMulNBits layout (com.microsoft): round-to-nearest with a
// per-block scale and zero point. Rows are independent, so a converter can quantise a weight a slab of rows at a time.

/** Weight bits per element MatMulNBits runs on the CPU provider (measured with onnxruntime-node 1.30). */
export type NBits = 4 | 8;

export interface NBitsLayout {
  bits: NBits;
  block: number;
  /** Output features (rows of a PyTorch Linear weight [N, K]). */
  N: number;
  /** Input features. */
  K: number;
  nBlocks: number;
  /** Bytes per block of packed weights. */
  blob: number;
  /** Bytes of packed zero points per row. */
  zpCols: number;
}

/** The packed shapes for a [N, K] weight: B [N, nBlocks, blob] uint8, scales [N·nBlocks], zero points [N, zpCols]. */
export function nbitsLayout(N: number, K: number, bits: NBits, block: number): NBitsLayout {
  if (!Number.isInteger(block) || block < 16 || (block & (block - 1)) !== 0)
    throw new RangeError(`block size ${block} is not a power of two ≥ 16`);
  const nBlocks = Math.ceil(K / block);
  return { bits, block, N, K, nBlocks, blob: (block * bits) / 8, zpCols: Math.ceil((nBlocks * bits) / 8) };
}

export interface QuantizedRows {
  q: Uint8Array;
  scales: Float32Array;
  zp: Uint8Array;
}

/** Quantises `rows` rows of a row-major [rows, K] fp32 slab (asymmetric min/max RTN; 0 stays exact). */
export function quantizeRows(w: Float32Array, rows: number, l: NBitsLayout): QuantizedRows {
  const qmax = (1 << l.bits) - 1;
  const q = new Uint8Array(rows * l.nBlocks * l.blob);
  const scales = new Float32Array(rows * l.nBlocks);
  const zp = new Uint8Array(rows * l.zpCols);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < l.nBlocks; b++) {
      const k0 = b * l.block;
      const k1 = Math.min(l.K, k0 + l.block);
      let lo = 0;
      let hi = 0;
      for (let k = k0; k < k1; k++) {
        const v = w[r * l.K + k]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const scale = hi > lo ? (hi - lo) / qmax : 1;
      const z = Math.min(qmax, Math.max(0, Math.round(-lo / scale)));
      const si = r * l.nBlocks + b;
      scales[si] = scale;
      setPacked(zp, r * l.zpCols, b, z, l.bits);
      const base = si * l.blob;
      for (let k = k0; k < k1; k++) {
        const v = Math.min(qmax, Math.max(0, Math.round(w[r * l.K + k]! / scale) + z));
        setPacked(q, base, k - k0, v, l.bits);
      }
      // Padding past K (when K is not a multiple of the block) holds the zero point: it dequantises to 0.
      for (let k = k1 - k0; k < l.block; k++) setPacked(q, base, k, z, l.bits);
    }
  }
  return { q, scales, zp };
}

function setPacked(buf: Uint8Array, base: number, i: number, v: number, bits: NBits): void {
  if (bits === 8) {
    buf[base + i] = v;
    return;
  }
  const at = base + (i >> 1);
  buf[at] = i & 1 ? (buf[at]! & 0x0f) | (v << 4) : (buf[at]! & 0xf0) | v; // first element in the low nibble
}

function getPacked(buf: Uint8Array, base: number, i: number, bits: NBits): number {
  if (bits === 8) return buf[base + i]!;
  const b = buf[base + (i >> 1)]!;
  return i & 1 ? b >> 4 : b & 0x0f;
}

/** The fp32 values a quantised slab stands for (tests and error measurement). */
export function dequantizeRows(qr: QuantizedRows, rows: number, l: NBitsLayout): Float32Array {
  const out = new Float32Array(rows * l.K);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < l.nBlocks; b++) {
      const si = r * l.nBlocks + b;
      const z = getPacked(qr.zp, r * l.zpCols, b, l.bits);
      for (let k = b * l.block; k < Math.min(l.K, (b + 1) * l.block); k++) {
        out[r * l.K + k] = (getPacked(qr.q, si * l.blob, k - b * l.block, l.bits) - z) * qr.scales[si]!;
      }
    }
  }
  return out;
}
