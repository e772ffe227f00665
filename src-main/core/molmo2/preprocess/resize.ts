// The exact resize primitive of Molmo2's processors: torchvision Resize(BILINEAR, antialias=False) on uint8 RGB,
// i.e. half-pixel-centre bilinear in float32, then round-half-even back to uint8 (image_processing_molmo2.py:38-70).
// Indices below are in bounds by the loop bounds; numeric loops keep plain `!` access (noUncheckedIndexedAccess).
import { AppError } from '../../../api/errors.js';

/** An RGB24 image: `rgb` is HWC uint8, length width·height·3. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

const fr = Math.fround;

interface Axis {
  i0: Int32Array;
  i1: Int32Array;
  l0: Float32Array;
  l1: Float32Array;
}

/** Source indices and float32 weights along one axis, as PyTorch's compute_source_index_and_lambda computes them. */
export function axisTable(inSize: number, outSize: number): Axis {
  const i0 = new Int32Array(outSize),
    i1 = new Int32Array(outSize);
  const l0 = new Float32Array(outSize),
    l1 = new Float32Array(outSize);
  if (inSize === outSize) {
    for (let o = 0; o < outSize; o++) {
      i0[o] = o;
      i1[o] = o;
      l0[o] = 1;
      l1[o] = 0;
    }
    return { i0, i1, l0, l1 };
  }
  const scale = fr(inSize / outSize);
  for (let o = 0; o < outSize; o++) {
    let src = fr(fr(scale * fr(o + 0.5)) - 0.5);
    if (src < 0) src = 0;
    const idx = Math.min(Math.floor(src), inSize - 1);
    const lam = Math.min(Math.max(fr(src - idx), 0), 1);
    i0[o] = idx;
    i1[o] = idx + (idx < inSize - 1 ? 1 : 0);
    l1[o] = lam;
    l0[o] = fr(1 - lam);
  }
  return { i0, i1, l0, l1 };
}

/**
 * Resizes (stretches) an RGB24 image to outW×outH. Weights per row/column come from separable tables; each output
 * channel is i00·w00 + i01·w01 + i10·w10 + i11·w11 summed in float32 in that order (PyTorch's channels-last kernel,
 * which is the layout torchvision gets from a permuted HWC array), then rounded half-to-even.
 */
export function resizeBilinearU8(src: RgbImage, outW: number, outH: number): Uint8Array {
  const { width: W, height: H, rgb } = src;
  if (!(W > 0 && H > 0) || rgb.length !== W * H * 3)
    throw new AppError('INVALID_INPUT', `image buffer of ${rgb.length} bytes does not match ${W}x${H} RGB`);
  if (!(outW > 0 && outH > 0) || !Number.isInteger(outW) || !Number.isInteger(outH))
    throw new AppError('INVALID_INPUT', `bad resize target ${outW}x${outH}`);
  if (W === outW && H === outH) return rgb.slice();
  const xs = axisTable(W, outW);
  const ys = axisTable(H, outH);
  const out = new Uint8Array(outW * outH * 3);
  // Stores into a Uint8ClampedArray round half-to-even and clamp to [0, 255] — exactly torch.round + clip.
  const outC = new Uint8ClampedArray(out.buffer);
  const x0 = new Int32Array(outW),
    x1 = new Int32Array(outW);
  for (let x = 0; x < outW; x++) {
    x0[x] = xs.i0[x]! * 3;
    x1[x] = xs.i1[x]! * 3;
  }
  const lx0 = xs.l0,
    lx1 = xs.l1;
  let o = 0;
  for (let y = 0; y < outH; y++) {
    const r0 = ys.i0[y]! * W * 3,
      r1 = ys.i1[y]! * W * 3;
    const h0 = ys.l0[y]!,
      h1 = ys.l1[y]!;
    for (let x = 0; x < outW; x++) {
      const w0 = lx0[x]!,
        w1 = lx1[x]!;
      const w00 = fr(h0 * w0),
        w01 = fr(h0 * w1),
        w10 = fr(h1 * w0),
        w11 = fr(h1 * w1);
      const a = r0 + x0[x]!,
        b = r0 + x1[x]!,
        c = r1 + x0[x]!,
        d = r1 + x1[x]!;
      // Unrolled over the three channels; every operation rounds to float32 like the reference kernel.
      outC[o] = fr(fr(fr(fr(rgb[a]! * w00) + fr(rgb[b]! * w01)) + fr(rgb[c]! * w10)) + fr(rgb[d]! * w11));
      outC[o + 1] = fr(
        fr(fr(fr(rgb[a + 1]! * w00) + fr(rgb[b + 1]! * w01)) + fr(rgb[c + 1]! * w10)) + fr(rgb[d + 1]! * w11),
      );
      outC[o + 2] = fr(
        fr(fr(fr(rgb[a + 2]! * w00) + fr(rgb[b + 2]! * w01)) + fr(rgb[c + 2]! * w10)) + fr(rgb[d + 2]! * w11),
      );
      o += 3;
    }
  }
  return out;
}
