// ONNX op constructors over Graph: each appends one node and returns typed values (dtype exact, shape best effort).
// Pure with respect to everything but the graph they are given; no strings of ONNX text anywhere.
import type { DType, Dim, Graph, Value } from './graph.js';

type Shape = readonly Dim[] | null;

function broadcast(a: Shape, b: Shape): Shape {
  if (!a || !b) return null;
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}

const one = (g: Graph, op: string, ins: (Value | null)[], dtype: DType, shape: Shape, attrs = {}): Value =>
  g.add(op, ins, [{ dtype, shape }], attrs)[0]!;

// ---- constants ----
export const f32 = (g: Graph, x: number | number[], dims?: number[]): Value => {
  const a = Array.isArray(x) ? x : [x];
  return g.constant(
    { dtype: 'float32', dims: dims ?? (Array.isArray(x) ? [a.length] : []), data: Float32Array.from(a) },
    'f',
  );
};
export const i64 = (g: Graph, x: number | number[], dims?: number[]): Value => {
  const a = Array.isArray(x) ? x : [x];
  return g.constant(
    {
      dtype: 'int64',
      dims: dims ?? (Array.isArray(x) ? [a.length] : []),
      data: BigInt64Array.from(a.map((v) => BigInt(v))),
    },
    'i',
  );
};
export const bool = (g: Graph, x: boolean): Value =>
  g.constant({ dtype: 'bool', dims: [], data: Uint8Array.of(x ? 1 : 0) }, 'b');

// ---- elementwise ----
const bin =
  (op: string) =>
  (g: Graph, a: Value, b: Value): Value =>
    one(g, op, [a, b], a.dtype, broadcast(a.shape, b.shape));
export const add = bin('Add');
export const sub = bin('Sub');
export const mul = bin('Mul');
export const div = bin('Div');
export const pow = bin('Pow');
export const mod = bin('Mod');
export const max = bin('Max');
export const min = bin('Min');
const cmp =
  (op: string) =>
  (g: Graph, a: Value, b: Value): Value =>
    one(g, op, [a, b], 'bool', broadcast(a.shape, b.shape));
export const equal = cmp('Equal');
export const less = cmp('Less');
export const lessOrEqual = cmp('LessOrEqual');
export const greater = cmp('Greater');
export const greaterOrEqual = cmp('GreaterOrEqual');
export const and = cmp('And');
export const or = cmp('Or');
const un =
  (op: string) =>
  (g: Graph, a: Value): Value =>
    one(g, op, [a], a.dtype, a.shape);
export const neg = un('Neg');
export const sqrt = un('Sqrt');
export const reciprocal = un('Reciprocal');
export const sigmoid = un('Sigmoid');
export const tanh = un('Tanh');
export const exp = un('Exp');
export const cos = un('Cos');
export const sin = un('Sin');
export const identity = un('Identity');
export const not = (g: Graph, a: Value): Value => one(g, 'Not', [a], 'bool', a.shape);
export const where = (g: Graph, c: Value, a: Value, b: Value): Value =>
  one(g, 'Where', [c, a, b], a.dtype, broadcast(c.shape, broadcast(a.shape, b.shape)));
export const cast = (g: Graph, a: Value, to: DType): Value => {
  const codes: Record<DType, number> = { float32: 1, uint8: 2, int32: 6, int64: 7, bool: 9, float16: 10, bfloat16: 16 };
  return one(g, 'Cast', [a], to, a.shape, { to: codes[to] });
};

// ---- linear algebra ----
/** y = a·bᵀ (+ c) for 2-D a [M,K] and a weight b [N,K] (PyTorch Linear layout, no transpose copy). */
export const linear = (g: Graph, a: Value, w: Value, bias?: Value): Value => {
  const M = a.shape?.[0] ?? 'M';
  const N = w.shape?.[0] ?? 'N';
  return one(g, 'Gemm', bias ? [a, w, bias] : [a, w], a.dtype, [M, N], { transB: 1 });
};
export const matmul = (g: Graph, a: Value, b: Value): Value => {
  let shape: Shape = null;
  if (a.shape && b.shape && a.shape.length >= 2 && b.shape.length >= 2) {
    const batch = broadcast(a.shape.slice(0, -2), b.shape.slice(0, -2)) ?? [];
    shape = [...batch, a.shape[a.shape.length - 2]!, b.shape[b.shape.length - 1]!];
  }
  return one(g, 'MatMul', [a, b], a.dtype, shape);
};

// ---- shape ----
/** Reshape to fixed dims (0 copies the input dim, -1 infers). */
export const reshape = (g: Graph, a: Value, dims: number[]): Value => {
  const shape = dims.map((d, i) => (d === 0 ? (a.shape?.[i] ?? `d${i}`) : d === -1 ? '?' : d));
  return one(g, 'Reshape', [a, i64(g, dims)], a.dtype, shape);
};
export const reshapeTo = (g: Graph, a: Value, shapeValue: Value): Value =>
  one(g, 'Reshape', [a, shapeValue], a.dtype, null);
export const transpose = (g: Graph, a: Value, perm: number[]): Value =>
  one(g, 'Transpose', [a], a.dtype, a.shape ? perm.map((p) => a.shape![p]!) : null, { perm });
export const concat = (g: Graph, xs: Value[], axis: number): Value => {
  const s0 = xs[0]!.shape;
  let shape: Shape = null;
  if (s0 && xs.every((x) => x.shape)) {
    const ax = axis < 0 ? s0.length + axis : axis;
    const ds = xs.map((x) => x.shape![ax]!);
    shape = s0.map((d, i) =>
      i === ax ? (ds.every((v) => typeof v === 'number') ? (ds as number[]).reduce((p, q) => p + q, 0) : '?') : d,
    );
  }
  return one(g, 'Concat', xs, xs[0]!.dtype, shape, { axis });
};
export const unsqueeze = (g: Graph, a: Value, axes: number[]): Value =>
  one(g, 'Unsqueeze', [a, i64(g, axes)], a.dtype, null);
export const squeeze = (g: Graph, a: Value, axes: number[]): Value =>
  one(g, 'Squeeze', [a, i64(g, axes)], a.dtype, null);
export const shapeOf = (g: Graph, a: Value): Value => one(g, 'Shape', [a], 'int64', [a.shape?.length ?? '?']);
/** Size of one axis as an int64 scalar. */
export const dimOf = (g: Graph, a: Value, axis: number): Value =>
  squeeze(g, one(g, 'Shape', [a], 'int64', [1], { start: axis, end: axis + 1 }), [0]);
export const slice = (g: Graph, a: Value, starts: Value, ends: Value, axes: number[]): Value =>
  one(g, 'Slice', [a, starts, ends, i64(g, axes)], a.dtype, null);
export const sliceConst = (g: Graph, a: Value, start: number, end: number, axis: number): Value => {
  let shape: Shape = null;
  if (a.shape) {
    const ax = axis < 0 ? a.shape.length + axis : axis;
    const d = a.shape[ax];
    shape = a.shape.map((x, i) => (i === ax ? (typeof d === 'number' ? Math.min(end, d) - start : '?') : x));
  }
  return one(g, 'Slice', [a, i64(g, [start]), i64(g, [end]), i64(g, [axis])], a.dtype, shape);
};
export const split2 = (g: Graph, a: Value, sizes: [number, number], axis: number): [Value, Value] => {
  const shp = (n: number): Shape =>
    a.shape ? a.shape.map((d, i) => (i === (axis < 0 ? a.shape!.length + axis : axis) ? n : d)) : null;
  const [x, y] = g.add(
    'Split',
    [a, i64(g, sizes)],
    [
      { dtype: a.dtype, shape: shp(sizes[0]) },
      { dtype: a.dtype, shape: shp(sizes[1]) },
    ],
    { axis },
  );
  return [x!, y!];
};
/** Zero-pads the end of one axis by a runtime int64 [1] amount (Pad with axes, opset ≥ 18). */
export const padEnd = (g: Graph, a: Value, amount: Value, axis: number): Value =>
  one(g, 'Pad', [a, concat(g, [i64(g, [0]), amount], 0), null, i64(g, [axis])], a.dtype, null, { mode: 'constant' });
export const gather = (g: Graph, data: Value, idx: Value, axis = 0): Value => {
  const shape =
    data.shape && idx.shape ? [...data.shape.slice(0, axis), ...idx.shape, ...data.shape.slice(axis + 1)] : null;
  return one(g, 'Gather', [data, idx], data.dtype, shape, { axis });
};
export const range = (g: Graph, start: Value, limit: Value, delta: Value): Value =>
  one(g, 'Range', [start, limit, delta], start.dtype, ['?']);
export const expand = (g: Graph, a: Value, shapeValue: Value): Value =>
  one(g, 'Expand', [a, shapeValue], a.dtype, null);
export const constantOfShape = (g: Graph, shapeValue: Value, value: number, dtype: DType = 'float32'): Value => {
  const t =
    dtype === 'float32'
      ? { dtype, dims: [1], data: Float32Array.of(value) }
      : { dtype, dims: [1], data: BigInt64Array.of(BigInt(value)) };
  return one(g, 'ConstantOfShape', [shapeValue], dtype, null, { value: { tensor: t } });
};

// ---- reductions & nn ----
export const reduceSum = (g: Graph, a: Value, axes: number[], keepdims = true): Value =>
  one(g, 'ReduceSum', [a, i64(g, axes)], a.dtype, null, { keepdims: keepdims ? 1 : 0 });
export const reduceMean = (g: Graph, a: Value, axes: number[], keepdims = true): Value =>
  one(g, 'ReduceMean', [a, i64(g, axes)], a.dtype, null, { keepdims: keepdims ? 1 : 0 });
export const reduceMax = (g: Graph, a: Value, axes: number[], keepdims = true): Value =>
  one(g, 'ReduceMax', [a, i64(g, axes)], a.dtype, null, { keepdims: keepdims ? 1 : 0 });
/** ReduceMin over every axis of an int64 tensor (keepdims 0) → scalar. */
export const reduceMinI = (g: Graph, a: Value): Value => one(g, 'ReduceMin', [a], a.dtype, [], { keepdims: 0 });
export const softmax = (g: Graph, a: Value, axis = -1): Value => one(g, 'Softmax', [a], a.dtype, a.shape, { axis });
export const argmax = (g: Graph, a: Value, axis: number, keepdims = false): Value =>
  one(g, 'ArgMax', [a], 'int64', null, { axis, keepdims: keepdims ? 1 : 0 });
export const cumsum = (g: Graph, a: Value, axis: number): Value =>
  one(g, 'CumSum', [a, i64(g, axis)], a.dtype, a.shape);
export const topk = (g: Graph, a: Value, k: Value, axis = -1): [Value, Value] => {
  const [v, i] = g.add(
    'TopK',
    [a, k],
    [
      { dtype: a.dtype, shape: null },
      { dtype: 'int64', shape: null },
    ],
    { axis, largest: 1, sorted: 1 },
  );
  return [v!, i!];
};
export const scatterND = (g: Graph, data: Value, indices: Value, updates: Value): Value =>
  one(g, 'ScatterND', [data, indices, updates], data.dtype, data.shape);
export const oneHot = (g: Graph, idx: Value, depth: Value, values: Value): Value =>
  one(g, 'OneHot', [idx, depth, values], values.dtype, null, { axis: -1 });
/** LayerNormalization (opset 17) over the last axis, with scale and bias. */
export const layerNorm = (g: Graph, x: Value, w: Value, b: Value, eps: number): Value =>
  one(g, 'LayerNormalization', [x, w, b], x.dtype, x.shape, { axis: -1, epsilon: { float: eps } });
/** RMSNorm over the last axis with fp32 statistics: x·rsqrt(mean(x²)+eps)·w (composed, runs on every provider). */
export const rmsNorm = (g: Graph, x: Value, w: Value, eps: number): Value => {
  const ms = reduceMean(g, mul(g, x, x), [-1]);
  const r = reciprocal(g, sqrt(g, add(g, ms, f32(g, eps))));
  return mul(g, mul(g, x, r), w);
};
/** GELU, tanh approximation (PyTorch gelu_pytorch_tanh). */
export const geluTanh = (g: Graph, x: Value): Value => {
  const x3 = mul(g, mul(g, x, x), x);
  const inner = mul(g, add(g, x, mul(g, x3, f32(g, 0.044715))), f32(g, Math.sqrt(2 / Math.PI)));
  return mul(g, mul(g, x, f32(g, 0.5)), add(g, tanh(g, inner), f32(g, 1)));
};
export const silu = (g: Graph, x: Value): Value => mul(g, x, sigmoid(g, x));

// ---- control flow ----
/** ONNX Loop: body inputs (iter, cond, ...carried), outputs (cond, ...carried, ...scans). */
export const loop = (
  g: Graph,
  maxTrips: Value | null,
  cond: Value | null,
  carried: Value[],
  body: Graph,
  scanDtypes: DType[],
  nodeName?: string,
): Value[] => {
  const outs = [
    ...carried.map((c) => ({ dtype: c.dtype, shape: null })),
    ...scanDtypes.map((d) => ({ dtype: d, shape: null })),
  ];
  return g.add('Loop', [maxTrips, cond, ...carried], outs, { body }, '', nodeName);
};
export const ifThenElse = (
  g: Graph,
  cond: Value,
  thenG: Graph,
  elseG: Graph,
  outs: { dtype: DType; shape: Shape }[],
): Value[] => g.add('If', [cond], outs, { then_branch: thenG, else_branch: elseG });
