// Per installed model: the weight precisions it can run at, the one a job uses when none is asked for on this
// machine, and what fits, from the checkpoint's config.json alone (estimateMemory: weights + K/V for a 128-frame
// video at the model's context + activations; a precision fits within 70 % of RAM, or of the GPU's memory). The
// Models page and `models.list` show it; doctor shows the same estimate for the released shapes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_BUDGET_SHARE,
  defaultPrecision,
  estimateMemory,
  type MemoryConfig,
} from '../molmo2/compile/memory-estimate.js';
import { PRECISIONS, type Precision } from '../molmo2/compile/precision.js';

export interface PrecisionOption {
  precision: Precision;
  /** Estimated peak bytes (estimateMemory total) and the weights' share of it. */
  totalBytes: number;
  weightsBytes: number;
  /** Within the budget (70 % of the provider's memory); null when that memory is unknown (a GPU without nvidia-smi). */
  fits: boolean | null;
  /** Why a precision that fits may still not be the one to choose (measured). */
  note?: string;
}

export interface PrecisionFit {
  /** The provider the default is for, and the bytes a default may plan on (70 % of its memory; null: unknown). */
  provider: string;
  budgetBytes: number | null;
  /** What a job uses when none is asked for: the host's --precision, else the widest that fits (defaultPrecision). */
  default: Precision;
  /** --precision / MOLMOSCOPE_PRECISION of this host; null when none was given. */
  configured: Precision | null;
  /** Prompt tokens the estimate assumes (128 frames, capped at the model's context). */
  contextTokens: number;
  options: PrecisionOption[];
}

export interface MachineMemory {
  ramBytes: number;
  /** Memory of the largest GPU, when known. */
  gpuBytes: number | null;
}

const CPU_FP16_NOTE = 'no faster than fp32 on the CPU provider (no fp16 GEMM speed-up on x86; measured)';

/** The config fields estimateMemory reads, or null when config.json is missing or not a Molmo2 config. */
function memoryConfig(modelDir: string): MemoryConfig | null {
  try {
    const c = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as Partial<MemoryConfig> | null;
    const t = c?.text_config;
    const ok =
      t &&
      c.vit_config &&
      c.adapter_config &&
      [t.hidden_size, t.num_hidden_layers, t.vocab_size, t.max_position_embeddings].every(
        (x) => Number.isInteger(x) && x > 0,
      );
    return ok ? (c as MemoryConfig) : null;
  } catch {
    return null;
  }
}

/** Precisions, default and fit of the checkpoint in `modelDir` on `provider`; null when its config cannot be read. */
export function precisionFit(
  modelDir: string,
  provider: string,
  configured: Precision | null,
  mem: MachineMemory,
): PrecisionFit | null {
  const cfg = memoryConfig(modelDir);
  if (!cfg) return null;
  const gpu = provider !== 'cpu';
  const memory = gpu ? mem.gpuBytes : mem.ramBytes;
  const budgetBytes = memory === null ? null : DEFAULT_BUDGET_SHARE * memory;
  let options: PrecisionOption[];
  try {
    options = PRECISIONS.map((p) => {
      const e = estimateMemory(cfg, p, 128, !gpu);
      const o: PrecisionOption = {
        precision: p,
        totalBytes: e.total,
        weightsBytes: e.weights,
        fits: budgetBytes === null ? null : e.total <= budgetBytes,
      };
      return !gpu && p === 'fp16' ? { ...o, note: CPU_FP16_NOTE } : o;
    });
  } catch {
    return null; // a config whose shapes the estimate cannot follow (e.g. missing sub-fields): nothing to say
  }
  const def =
    configured ??
    defaultPrecision(cfg, provider, {
      ramBytes: mem.ramBytes,
      ...(mem.gpuBytes === null ? {} : { gpuBytes: mem.gpuBytes }),
    });
  return {
    provider,
    budgetBytes,
    default: def,
    configured,
    contextTokens: estimateMemory(cfg, 'fp32').contextTokens,
    options,
  };
}
