// LoRA as a branch in the inference graphs: a WeightBinder wrapper that adds scale·(x·Aᵀ)·Bᵀ to the adapted
// linears, with A, B and the scale as graph inputs, so one compiled graph serves every adapter of any rank and the
// base weights stay as they are (fp32, fp16 or MatMulNBits int8/int4 — nothing is merged or re-quantised).
import { AppError } from '../../../api/errors.js';
import type { Graph, Value } from './graph.js';
import * as o from './ops.js';
import type { WeightBinder } from './weight-binder.js';

/** Graph input names of one adapted linear's factors: A [r, in] and B [out, r]. */
export interface LoraBranchInputs {
  a: string;
  b: string;
  inFeatures: number;
  outFeatures: number;
}

/** The adapted linears by HF weight name (`…att_proj.weight` etc.). */
export type LoraBranchSpec = ReadonlyMap<string, LoraBranchInputs>;

/** Name of the scalar graph input holding alpha / rank. */
export const LORA_SCALE_INPUT = 'lora_scale';
/** The symbolic rank dimension of every A/B input. */
const RANK_DIM = 'lora_rank';

/** `wb` with a LoRA branch on every linear named in `spec`; inputs are added to a root graph on first use. */
export function withLoraBranch(wb: WeightBinder, spec: LoraBranchSpec): WeightBinder {
  const inputs = new WeakMap<Graph, Map<string, Value>>();
  const input = (g: Graph, name: string, shape: (number | string)[]): Value => {
    const root = g.root();
    let m = inputs.get(root);
    if (!m) inputs.set(root, (m = new Map()));
    let v = m.get(name);
    if (!v) m.set(name, (v = root.input(name, 'float32', shape)));
    return v;
  };
  return {
    graphDir: wb.graphDir,
    externalDir: wb.externalDir,
    mode: wb.mode,
    precision: wb.precision,
    bind: (g, name) => wb.bind(g, name),
    gatherRows: (g, name, idx) => wb.gatherRows(g, name, idx),
    linear(g, x, name, bias) {
      const base = wb.linear(g, x, name, bias);
      const t = spec.get(name);
      if (!t) return base;
      const a = input(g, t.a, [RANK_DIM, t.inFeatures]);
      const b = input(g, t.b, [t.outFeatures, RANK_DIM]);
      const scale = input(g, LORA_SCALE_INPUT, []);
      // (x·Aᵀ)·s is [M, r]; Gemm's C input adds the base output: u·Bᵀ + base, no extra Add node.
      const u = o.mul(g, o.linear(g, x, a), scale);
      return o.linear(g, u, b, base);
    },
  };
}

/** Every adapted linear must have been built through the binder: a decoder that names them otherwise would silently run without the adapter. */
export function assertLoraApplied(g: Graph, spec: LoraBranchSpec, kind: string): void {
  const inputs = new Set(g.inputs.map((v) => v.name));
  for (const [weight, t] of spec) {
    if (!inputs.has(t.a) || !inputs.has(t.b)) {
      throw new AppError(
        'MODEL_UNSUPPORTED',
        `the ${kind} graph does not use ${weight} as a linear, so a LoRA adapter cannot be applied to it`,
      );
    }
  }
}
