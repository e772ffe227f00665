// `--precision fp32|fp16|int8|int4`, shared by ask, index, count, track and serve.
import { parsePrecision, type Precision } from '../../core/molmo2/compile/precision.js';

/** The flag's value parsed (INVALID_INPUT names the choices), or undefined to take the default per provider and memory. */
export function precisionFlag(v: string | undefined): Precision | undefined {
  return v === undefined ? undefined : parsePrecision(v);
}
