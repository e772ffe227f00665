// fp16 layout: Linear weights are converted transposed ([in, out]) so the fp16 graph is a plain MatMul with no
// Transpose on a weight (onnxruntime would fold one into a second copy of every weight at session load); slab
// boundaries do not change the bytes; an fp16 cache of the old [out, in] layout is rebuilt, never read as [in, out];
// the other precisions keep converter version 1 (their caches stay valid).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { f16ToF32, f32ToF16 } from '../../../src-main/core/molmo2/checkpoint/safetensors.js';
import { buildGenerateGraph } from '../../../src-main/core/molmo2/compile/generate-graph.js';
import type { Graph, Node } from '../../../src-main/core/molmo2/compile/graph.js';
import { buildVisionGraph, visionWeightNames } from '../../../src-main/core/molmo2/compile/vision-graph.js';
import { decoderWeightNames } from '../../../src-main/core/molmo2/compile/decoder-graph.js';
import { bindWeights } from '../../../src-main/core/molmo2/compile/weight-binder.js';
import {
  CONVERTER_VERSION,
  convertWeights,
  type StoredTensor,
} from '../../../src-main/core/molmo2/compile/weight-convert.js';
import { openCheckpoint, readF32, type Checkpoint } from '../../../src-main/core/molmo2/weights.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';

const LINEARS = ['lm_head.weight', 'model.transformer.blocks.0.mlp.ff_proj.weight'];
const EMBEDDING = 'model.transformer.wte.embedding';

function allNames(ck: Checkpoint): string[] {
  return [...visionWeightNames(ck), ...decoderWeightNames(ck)];
}

function stored(file: string, t: StoredTensor | undefined): Float32Array {
  assert.ok(t?.parts.w, 'tensor has a w part');
  const bytes = readFileSync(file).subarray(t.parts.w.offset, t.parts.w.offset + t.parts.w.length);
  return f16ToF32(new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
}

/** The checkpoint tensor [rows, cols] rounded to fp16, transposed to [cols, rows]. */
function expectedTransposed(ck: Checkpoint, name: string, dims: readonly number[]): Float32Array {
  const [rows = 0, cols = 0] = dims;
  const w = f16ToF32(f32ToF16(readF32(ck, name)));
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c] ?? NaN;
  return t;
}

function nodesOf(g: Graph): Node[] {
  const out: Node[] = [];
  for (const n of g.nodes) {
    out.push(n);
    for (const a of Object.values(n.attrs)) if (a && typeof a === 'object' && 'nodes' in a) out.push(...nodesOf(a));
  }
  return out;
}

test('fp16 conversion: Linear weights stored transposed [in, out], embeddings row-major, same bytes across slab sizes', () => {
  const ck = openCheckpoint(tinyCheckpoint({ seed: 1 }));
  const names = allNames(ck);
  const aDir = scratchDir('fp16-a');
  const a = convertWeights(ck, { dir: aDir, names, precision: 'fp16' });
  // A 4 KB slab is 16–32 rows of the tiny tensors: every tensor crosses many slab boundaries (the strided writes).
  const bDir = scratchDir('fp16-b');
  const b = convertWeights(ck, { dir: bDir, names, precision: 'fp16', slabBytes: 4096 });
  assert.ok(readFileSync(join(aDir, a.file)).equals(readFileSync(join(bDir, b.file))), 'one slab or many: same bytes');
  for (const name of LINEARS) {
    const t = b.tensors.get(name);
    assert.equal(t?.kind, 'f16t', `${name} is stored f16t`);
    assert.deepEqual(stored(join(bDir, b.file), t), expectedTransposed(ck, name, t?.dims ?? []), `${name} transposed`);
  }
  const e = b.tensors.get(EMBEDDING);
  assert.equal(e?.kind, 'f16', 'embedding tables stay [rows, dim]');
  assert.deepEqual(stored(join(bDir, b.file), e), f16ToF32(f32ToF16(readF32(ck, EMBEDDING))));
  assert.equal(b.tensors.get('model.transformer.ln_f.weight')?.kind, 'f32', 'norms stay fp32');
});

test('fp16 graphs: every fp16 weight feeds a MatMul directly as [in, out]; no Transpose reads a weight', () => {
  const ck = openCheckpoint(tinyCheckpoint({ seed: 1 }));
  const wb = bindWeights(ck, {
    cacheDir: scratchDir('fp16-graph'),
    names: allNames(ck),
    precision: 'fp16',
    planOnly: true,
  });
  for (const g of [buildVisionGraph(ck, wb), buildGenerateGraph(ck, wb, { prefillChunk: 512 })]) {
    const fp16 = new Map(g.initializers.filter((i) => i.value.dtype === 'float16').map((i) => [i.value.name, i]));
    assert.ok(fp16.size > 0);
    const nodes = nodesOf(g);
    assert.deepEqual(
      nodes.filter((n) => n.op === 'Transpose' && n.inputs.some((x) => fp16.has(x))),
      [],
      'no Transpose of a weight',
    );
    let matmuls = 0;
    for (const n of nodes.filter((x) => x.op === 'MatMul' && fp16.has(x.inputs[1] ?? ''))) {
      const init = fp16.get(n.inputs[1] ?? '');
      const src = init?.source ? ck.tensors.get(init.source)?.entry.shape : undefined;
      assert.deepEqual(init?.external?.dims, [src?.[1], src?.[0]], `${init?.source}: stored [in, out]`);
      matmuls++;
    }
    assert.ok(matmuls >= 4, `fp16 MatMuls on weights: ${matmuls}`);
  }
});

test('an fp16 cache of the old [out, in] layout (converter version 1) is rebuilt, never read; other precisions keep v1', () => {
  const ck = openCheckpoint(tinyCheckpoint({ seed: 1 }));
  const names = allNames(ck);
  const dir = scratchDir('fp16-old');
  const first = convertWeights(ck, { dir, names, precision: 'fp16' });
  const manifest = join(dir, 'weights-fp16.json');
  const want = readFileSync(manifest, 'utf8');
  assert.equal(JSON.parse(want).v, 2);
  // The old layout: the same file size and offsets, Linear weights [out, in], and a version-1 manifest.
  const buf = readFileSync(join(dir, first.file));
  for (const name of LINEARS) {
    const p = first.tensors.get(name)?.parts.w;
    assert.ok(p);
    const old = f32ToF16(readF32(ck, name));
    buf.set(new Uint8Array(old.buffer, old.byteOffset, old.byteLength), p.offset);
  }
  writeFileSync(join(dir, first.file), buf);
  writeFileSync(manifest, want.replace('"v":2', '"v":1'));
  const again = convertWeights(ck, { dir, names, precision: 'fp16' });
  assert.equal(again.converted, true, 'a version-1 fp16 cache is converted afresh');
  assert.equal(readFileSync(manifest, 'utf8'), want);
  const t = again.tensors.get(LINEARS[0] ?? '');
  assert.deepEqual(stored(join(dir, again.file), t), expectedTransposed(ck, LINEARS[0] ?? '', t?.dims ?? []));
  assert.equal(convertWeights(ck, { dir, names, precision: 'fp16' }).converted, false, 'the new cache is reused');
  assert.deepEqual(CONVERTER_VERSION, { fp32: 1, fp16: 2, int8: 1, int4: 1 });
  const q = scratchDir('int8-v');
  convertWeights(ck, { dir: q, names, precision: 'int8' });
  assert.equal(
    JSON.parse(readFileSync(join(q, 'weights-int8.json'), 'utf8')).v,
    1,
    'int8 caches written before stay valid',
  );
});
