// LoRA adapters in PEFT's on-disk layout (adapter_model.safetensors with base_model.model.… keys, adapter_config.json),
// and inference with one: W' = W + (alpha/r)·B·A merged into a cached copy of the checkpoint keyed by both hashes.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../api/errors.js';
import {
  readSafetensorsHeader,
  readTensorF32,
  writeSafetensors,
  type TensorToWrite,
} from '../molmo2/checkpoint/safetensors.js';
import { readF32, type Checkpoint } from '../molmo2/weights.js';
import { checkSpec, LORA_MODULES, loraScale, loraTargets, paramShape, type LoraParams, type LoraSpec } from './lora.js';
import { writeJsonAtomic } from './trainer.js';

export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
export const ADAPTER_CONFIG = 'adapter_config.json';

/** PEFT's LoraConfig fields as saved by save_pretrained (the ones a loader reads). */
export function peftConfig(spec: LoraSpec, base: string | null): Record<string, unknown> {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    r: spec.rank,
    lora_alpha: spec.alpha,
    lora_dropout: 0,
    bias: 'none',
    target_modules: LORA_MODULES.map((m) => m.split('.')[1]),
    fan_in_fan_out: false,
    use_rslora: false,
    use_dora: false,
    modules_to_save: null,
    layers_to_transform: null,
    rank_pattern: {},
    alpha_pattern: {},
    init_lora_weights: true,
    inference_mode: true,
    base_model_name_or_path: base,
    revision: null,
  };
}

/** Writes adapter_model.safetensors (PEFT keys, fp32, PEFT's creation order) and adapter_config.json into dir. */
export function saveAdapter(
  dir: string,
  ck: Checkpoint,
  spec: LoraSpec,
  params: LoraParams,
  base: string | null,
): void {
  mkdirSync(dir, { recursive: true });
  const tensors: TensorToWrite[] = loraTargets(ck).flatMap((t) => [
    { name: t.keyA, dtype: 'F32' as const, shape: paramShape(t, 'A', spec.rank), data: params.get(t.keyA)! },
    { name: t.keyB, dtype: 'F32' as const, shape: paramShape(t, 'B', spec.rank), data: params.get(t.keyB)! },
  ]);
  writeSafetensors(join(dir, ADAPTER_WEIGHTS), tensors, { format: 'pt' });
  writeJsonAtomic(join(dir, ADAPTER_CONFIG), peftConfig(spec, base));
}

export interface LoadedAdapter {
  dir: string;
  spec: LoraSpec;
  params: LoraParams;
  /** sha256 of adapter_model.safetensors + adapter_config.json (what results record). */
  hash: string;
}

function readConfig(dir: string): LoraSpec {
  const file = join(dir, ADAPTER_CONFIG);
  if (!existsSync(file)) throw new AppError('NOT_FOUND', `${dir}: no ${ADAPTER_CONFIG}`);
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    throw new AppError('MODEL_INVALID', `${file} is not JSON`);
  }
  if (cfg.peft_type !== undefined && cfg.peft_type !== 'LORA')
    throw new AppError('MODEL_UNSUPPORTED', `${file}: peft_type ${String(cfg.peft_type)} is not LORA`);
  if (cfg.use_dora === true || cfg.use_rslora === true)
    throw new AppError('MODEL_UNSUPPORTED', `${file}: DoRA and rsLoRA adapters are not supported`);
  for (const k of ['rank_pattern', 'alpha_pattern']) {
    if (cfg[k] && Object.keys(cfg[k] as object).length > 0)
      throw new AppError('MODEL_UNSUPPORTED', `${file}: per-module ${k} is not supported`);
  }
  if (cfg.fan_in_fan_out === true)
    throw new AppError('MODEL_UNSUPPORTED', `${file}: fan_in_fan_out adapters are not supported`);
  const spec = { rank: Number(cfg.r), alpha: Number(cfg.lora_alpha) };
  checkSpec(spec);
  return spec;
}

/** Reads a PEFT adapter for this checkpoint; modules it does not adapt get zero factors, unknown keys are refused. */
export function loadAdapter(dir: string, ck: Checkpoint): LoadedAdapter {
  const spec = readConfig(dir);
  const file = join(dir, ADAPTER_WEIGHTS);
  if (!existsSync(file)) throw new AppError('NOT_FOUND', `${dir}: no ${ADAPTER_WEIGHTS}`);
  const h = readSafetensorsHeader(file);
  const targets = loraTargets(ck);
  const known = new Set(targets.flatMap((t) => [t.keyA, t.keyB]));
  // PEFT saves without the adapter name; some tools keep ".default" — accept both spellings.
  const norm = (k: string) =>
    k.replace('.lora_A.default.weight', '.lora_A.weight').replace('.lora_B.default.weight', '.lora_B.weight');
  const entries = new Map([...h.tensors].map(([k, e]) => [norm(k), e]));
  for (const k of entries.keys())
    if (!known.has(k)) throw new AppError('MODEL_INVALID', `${file}: ${k} is not a LoRA tensor of this model`);
  const params: LoraParams = new Map();
  for (const t of targets) {
    for (const f of ['A', 'B'] as const) {
      const key = f === 'A' ? t.keyA : t.keyB;
      const shape = paramShape(t, f, spec.rank);
      const e = entries.get(key);
      if (e && (e.shape.length !== 2 || e.shape[0] !== shape[0] || e.shape[1] !== shape[1])) {
        throw new AppError('MODEL_INVALID', `${file}: ${key} is [${e.shape.join(',')}], expected [${shape.join(',')}]`);
      }
      const data = e ? readTensorF32(file, e) : new Float32Array(shape[0] * shape[1]);
      if (data.some((x) => !Number.isFinite(x)))
        throw new AppError('MODEL_INVALID', `${file}: ${key} holds NaN or infinity`);
      params.set(key, data);
    }
  }
  const hash = createHash('sha256')
    .update(readFileSync(file))
    .update(readFileSync(join(dir, ADAPTER_CONFIG)))
    .digest('hex');
  return { dir, spec, params, hash };
}

/** W + scale·B·A for one [out,in] weight. */
function merged(
  w: Float32Array,
  A: Float32Array,
  B: Float32Array,
  out: number,
  inF: number,
  r: number,
  scale: number,
): Float32Array {
  const res = Float32Array.from(w);
  for (let o = 0; o < out; o++) {
    for (let k = 0; k < r; k++) {
      const b = scale * B[o * r + k]!;
      if (b === 0) continue;
      for (let i = 0; i < inF; i++) res[o * inF + i] = res[o * inF + i]! + b * A[k * inF + i]!;
    }
  }
  return res;
}

/**
 * A checkpoint directory with the adapter merged into the decoder linears, built once under cacheDir and keyed by
 * the checkpoint's weights and the adapter's hash: the unchanged files are hard-linked (copied across devices), the
 * merged tensors go into one extra shard, and a model.safetensors.index.json routes every name.
 */
export function mergedCheckpointDir(ck: Checkpoint, adapter: LoadedAdapter, cacheDir: string): string {
  const weightFiles = [...new Set([...ck.tensors.values()].map((t) => t.file))].sort();
  const baseKey = weightFiles
    .map((f) => `${f}:${statSync(join(ck.dir, f)).size}:${statSync(join(ck.dir, f)).mtimeMs}`)
    .join('|');
  const key = createHash('sha256').update(ck.dir).update(baseKey).update(adapter.hash).digest('hex').slice(0, 16);
  const dir = join(cacheDir, 'adapters', key);
  if (existsSync(join(dir, 'molmoscope-merged.json'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const name of readdirSync(ck.dir)) {
    const src = join(ck.dir, name);
    if (!statSync(src).isFile() || name.endsWith('.onnx') || name === 'model.safetensors.index.json') continue;
    try {
      linkSync(src, join(tmp, name));
    } catch {
      copyFileSync(src, join(tmp, name));
    }
  }
  const scale = loraScale(adapter.spec);
  const tensors: TensorToWrite[] = loraTargets(ck).map((t) => ({
    name: t.weight,
    dtype: 'F32' as const,
    shape: [t.outFeatures, t.inFeatures],
    data: merged(
      readF32(ck, t.weight),
      adapter.params.get(t.keyA)!,
      adapter.params.get(t.keyB)!,
      t.outFeatures,
      t.inFeatures,
      adapter.spec.rank,
      scale,
    ),
  }));
  const shard = 'adapter-merged.safetensors';
  writeSafetensors(join(tmp, shard), tensors, { format: 'pt' });
  const replaced = new Set(tensors.map((t) => t.name));
  // The loader reads whole shards in the order they first appear in weight_map and later shards win, so the
  // merged shard's names go last.
  const weightMap: Record<string, string> = {};
  for (const [name, t] of ck.tensors) if (!replaced.has(name)) weightMap[name] = t.file;
  for (const name of replaced) weightMap[name] = shard;
  writeJsonAtomic(join(tmp, 'model.safetensors.index.json'), { metadata: {}, weight_map: weightMap });
  writeJsonAtomic(join(tmp, 'molmoscope-merged.json'), {
    base: ck.dir,
    adapter: adapter.dir,
    adapterSha256: adapter.hash,
  });
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process merged the same pair first
  }
  return dir;
}
