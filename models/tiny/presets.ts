// Real-shape checkpoints with random weights: the released Molmo2 dimensions and shard layout (fp32 shards as
// released), streamed one tensor at a time so a 19 GB (4B) or 35 GB (8B) checkpoint needs ~64 MB of memory to write.
import { existsSync, ftruncateSync, mkdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../src-main/api/errors.js';
import { writeThroughTemp } from '../../src-main/core/platform/temp-file.js';
import {
  molmo2ParamShapes,
  type Molmo2ShapeConfig,
  type ParamShape,
} from '../../src-main/core/molmo2/checkpoint/param-shapes.js';
import { RELEASE_FILES_DIR, writeSideFiles } from './make-tiny.js';
import { O7B_VOCAB, o7bTextConfig, o7bTokenIds } from './o7b.js';

export const PRESETS = ['molmo2-4b', 'molmo2-8b', 'molmo2-o-7b'] as const;
export type Preset = (typeof PRESETS)[number];

/** HF's default shard limit; the 4B uses its released index instead. */
const SHARD_BYTES = 5 * 1000 ** 3;
const CHUNK = 4 * 1024 * 1024; // floats generated and written per write (16 MB)

/**
 * The preset's config: 4B is the released config.json; 8B swaps in Qwen3-8B's decoder dimensions (Molmo2-8B uses
 * `qwen3_8b`, allenai/molmo2 olmo/model_configs.py), keeping the same ViT and connector; O-7B swaps in Olmo-3-7B's
 * (olmo/model_configs.py:203-245: d_model 4096, 32 heads, MHA, 32 layers, MLP 22016/2, vocab 100278) and its ids.
 */
export function presetConfig(preset: Preset): Record<string, Record<string, unknown>> {
  const cfg = JSON.parse(readFileSync(join(RELEASE_FILES_DIR, 'config.json'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  if (preset === 'molmo2-8b') {
    Object.assign(cfg.text_config!, {
      hidden_size: 4096,
      intermediate_size: 12288,
      num_hidden_layers: 36,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      head_dim: 128,
      max_position_embeddings: 36864,
    });
    // The 4B's projector width equals its decoder's MLP width (9728); the 8B is assumed to follow (12288).
    Object.assign(cfg.adapter_config!, { text_hidden_size: 4096, intermediate_size: 12288 });
  }
  if (preset === 'molmo2-o-7b') {
    Object.assign(
      cfg.text_config!,
      {
        hidden_size: 4096,
        intermediate_size: 11008,
        num_attention_heads: 32,
        num_key_value_heads: 32,
        head_dim: 128,
        vocab_size: O7B_VOCAB,
        additional_vocab_size: 128,
      },
      o7bTextConfig(32),
    );
    // The connector's MLP width = the LLM's mlp_hidden_size // 2 (convert_molmo2_to_hf.py:161-164).
    Object.assign(cfg.adapter_config!, { text_hidden_size: 4096, intermediate_size: 11008 });
    Object.assign(cfg, o7bTokenIds());
  }
  (cfg as Record<string, unknown>).dtype = 'float32';
  return cfg;
}

/** Shard file → tensors in write order: the released index for 4B, else consecutive ≤ 5 GB shards. */
export function presetShards(preset: Preset, shapes: ParamShape[]): Map<string, ParamShape[]> {
  const byName = new Map(shapes.map((s) => [s.name, s]));
  const out = new Map<string, ParamShape[]>();
  if (preset === 'molmo2-4b') {
    const map = (
      JSON.parse(readFileSync(join(RELEASE_FILES_DIR, 'model.safetensors.index.json'), 'utf8')) as {
        weight_map: Record<string, string>;
      }
    ).weight_map;
    for (const [name, file] of Object.entries(map)) {
      const s = byName.get(name);
      if (!s) throw new AppError('INTERNAL', `released index names ${name}, which param-shapes does not produce`);
      out.set(file, [...(out.get(file) ?? []), s]);
    }
    if (Object.keys(map).length !== shapes.length)
      throw new AppError('INTERNAL', 'released index and param-shapes disagree on the tensor count');
    return out;
  }
  const groups: ParamShape[][] = [[]];
  let size = 0;
  for (const s of shapes) {
    const b = s.shape.reduce((a, x) => a * x, 4);
    if (size + b > SHARD_BYTES && groups[groups.length - 1]!.length) {
      groups.push([]);
      size = 0;
    }
    groups[groups.length - 1]!.push(s);
    size += b;
  }
  const pad = (n: number) => String(n).padStart(5, '0');
  groups.forEach((g, i) => out.set(`model-${pad(i + 1)}-of-${pad(groups.length)}.safetensors`, g));
  return out;
}

/** Fills `out` with values of the init kind's scale (uniform with the right variance: fast, and only shapes matter). */
function fill(out: Float32Array, p: ParamShape, state: { s: number }): void {
  const fanIn = p.shape.length === 2 ? p.shape[1]! : p.shape[0]!;
  const [base, spread] =
    p.init === 'norm-weight'
      ? [1, 0.1]
      : p.init === 'linear'
        ? [0, 1 / Math.sqrt(fanIn)]
        : p.init === 'embedding'
          ? [0, 1]
          : [0, 0.05];
  const a = spread * Math.sqrt(3);
  let s = state.s;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = base + a * (((s >>> 0) / 4294967296) * 2 - 1);
  }
  state.s = s;
}

function writeShard(file: string, tensors: ParamShape[], seed: number, sparse: boolean): number {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let off = 0;
  for (const t of tensors) {
    const len = t.shape.reduce((a, x) => a * x, 4);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [off, off + len] };
    off += len;
  }
  let h = JSON.stringify(header);
  h += ' '.repeat((8 - ((8 + Buffer.byteLength(h)) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(h)));
  const buf = new Float32Array(CHUNK);
  const state = { s: (seed * 2654435761 + 1) | 0 || 1 };
  const writeData = (fd: number) => {
    writeSync(fd, len);
    writeSync(fd, Buffer.from(h, 'utf8'));
    if (sparse) ftruncateSync(fd, 8 + Buffer.byteLength(h) + off);
    for (const t of sparse ? [] : tensors) {
      let left = t.shape.reduce((a, x) => a * x, 1);
      while (left > 0) {
        const part = buf.subarray(0, Math.min(CHUNK, left));
        fill(part, t, state);
        writeSync(fd, new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
        left -= part.length;
      }
    }
  };
  writeThroughTemp(file, writeData, { diskFull: true });
  return off;
}

/**
 * Writes a real-shape checkpoint (fp32 shards + index + the release's JSON/tokenizer files); returns bytes of weights.
 * `sparse`: headers only, data left as holes (all zeros, no disk used) — for compiling graphs without the bytes.
 */
export function makePresetCheckpoint(
  dir: string,
  preset: Preset,
  opts: { seed?: number; sparse?: boolean; onShard?: (file: string, i: number, n: number) => void } = {},
): number {
  mkdirSync(dir, { recursive: true });
  const cfg = presetConfig(preset);
  const shapes = molmo2ParamShapes(cfg as unknown as Molmo2ShapeConfig);
  const shards = presetShards(preset, shapes);
  const weightMap: Record<string, string> = {};
  let total = 0;
  let i = 0;
  for (const [file, tensors] of shards) {
    opts.onShard?.(file, i, shards.size);
    total += existsSync(join(dir, file))
      ? tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 4), 0)
      : writeShard(join(dir, file), tensors, (opts.seed ?? 0) * 1000 + i + 1, opts.sparse ?? false);
    for (const t of tensors) weightMap[t.name] = file;
    i++;
  }
  const params = shapes.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  writeFileSync(
    join(dir, 'model.safetensors.index.json'),
    JSON.stringify({ metadata: { total_parameters: params, total_size: total }, weight_map: weightMap }, null, 2),
  );
  const variant = preset === 'molmo2-o-7b' ? { variant: 'o-7b' } : {};
  writeSideFiles(dir, cfg, {
    generator: `molmoscope model make-tiny --preset ${preset}`,
    seed: opts.seed ?? 0,
    dtype: 'float32',
    shards: shards.size,
    ...variant,
  });
  return total;
}
