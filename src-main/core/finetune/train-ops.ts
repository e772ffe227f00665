// Op constructors the training graph needs beyond the compiler's ops.ts (Gemm with transposes/alpha, Log,
// GatherElements, RMSNorm's VJP, RoPE's VJP), kept here so the shared compiler files stay untouched.
import type { Graph, Value } from '../molmo2/compile/graph.js';
import * as o from '../molmo2/compile/ops.js';

/** Gemm: alpha·op(a)·op(b), fp32 2-D, with optional transposes. */
export function gemm(
  g: Graph,
  a: Value,
  b: Value,
  opts: { transA?: boolean; transB?: boolean; alpha?: number } = {},
): Value {
  const M = (opts.transA ? a.shape?.[1] : a.shape?.[0]) ?? 'M';
  const N = (opts.transB ? b.shape?.[0] : b.shape?.[1]) ?? 'N';
  const attrs: Record<string, number | { float: number }> = {};
  if (opts.transA) attrs.transA = 1;
  if (opts.transB) attrs.transB = 1;
  if (opts.alpha !== undefined && opts.alpha !== 1) attrs.alpha = { float: opts.alpha };
  return g.add('Gemm', [a, b], [{ dtype: a.dtype, shape: [M, N] }], attrs)[0]!;
}

export const log = (g: Graph, a: Value): Value => g.add('Log', [a], [{ dtype: a.dtype, shape: a.shape }])[0]!;

/** GatherElements along `axis` (indices int64, same rank as data). */
export const gatherElements = (g: Graph, data: Value, idx: Value, axis: number): Value =>
  g.add('GatherElements', [data, idx], [{ dtype: data.dtype, shape: idx.shape }], { axis })[0]!;

/** One scalar that depends on the first element of each tensor (an ordering edge: whatever reads it runs after all of xs). */
export function firstElements(g: Graph, xs: Value[]): Value {
  const firsts = xs.map((x) => o.sliceConst(g, o.reshape(g, x, [-1]), 0, 1, 0));
  return o.reduceSum(g, o.concat(g, firsts, 0), [0], false);
}

/** 1/√(mean(x², last axis) + eps), kept as [..., 1]. */
export function rmsInv(g: Graph, x: Value, eps: number): Value {
  return o.reciprocal(g, o.sqrt(g, o.add(g, o.reduceMean(g, o.mul(g, x, x), [-1]), o.f32(g, eps))));
}

/** VJP of y = x·r(x)·w over the last axis: dx = r·(gy − x̂·mean(gy·x̂)), gy = g·w, x̂ = x·r. */
export function rmsNormVjp(g: Graph, x: Value, w: Value, eps: number, dy: Value): Value {
  const r = rmsInv(g, x, eps);
  const xh = o.mul(g, x, r);
  const gy = o.mul(g, dy, w);
  const m = o.reduceMean(g, o.mul(g, gy, xh), [-1]);
  return o.mul(g, o.sub(g, gy, o.mul(g, xh, m)), r);
}

/** Rotate-half RoPE of x [..., d] with cos/sin broadcastable to it: x·cos + rot(x)·sin, rot(x) = [−x₂, x₁]. */
export function rope(g: Graph, x: Value, d: number, cos: Value, sin: Value): Value {
  const rot = o.concat(g, [o.neg(g, o.sliceConst(g, x, d / 2, d, -1)), o.sliceConst(g, x, 0, d / 2, -1)], -1);
  return o.add(g, o.mul(g, x, cos), o.mul(g, rot, sin));
}

/** VJP of rope: dx = dy·cos + rotᵀ(dy·sin), rotᵀ(z) = [z₂, −z₁]. */
export function ropeVjp(g: Graph, dy: Value, d: number, cos: Value, sin: Value): Value {
  const zs = o.mul(g, dy, sin);
  const rotT = o.concat(g, [o.sliceConst(g, zs, d / 2, d, -1), o.neg(g, o.sliceConst(g, zs, 0, d / 2, -1))], -1);
  return o.add(g, o.mul(g, dy, cos), rotT);
}

/** Removes nodes none of whose outputs is read (by a node, a subgraph or a graph output), until none is left. */
export function eliminateDeadNodes(g: Graph): number {
  let removed = 0;
  for (;;) {
    const used = new Set<string>(g.outputs.map((v) => v.name));
    for (const n of g.nodes) for (const i of n.inputs) used.add(i);
    const keep = g.nodes.filter((n) => n.outputs.some((out) => used.has(out)));
    if (keep.length === g.nodes.length) return removed;
    removed += g.nodes.length - keep.length;
    g.nodes.splice(0, g.nodes.length, ...keep);
  }
}

/** Drops initializers nothing reads any more (after dead-node elimination). */
export function dropUnusedInitializers(g: Graph): void {
  const used = new Set<string>(g.outputs.map((v) => v.name));
  for (const n of g.nodes) for (const i of n.inputs) used.add(i);
  const keep = g.initializers.filter((i) => used.has(i.value.name));
  g.initializers.splice(0, g.initializers.length, ...keep);
}
