// Graph compiler: emitted ONNX runs in onnxruntime; fp32 weights are read in place from .safetensors byte ranges;
// bf16 checkpoints are converted once into the cache; a variant the runtime lacks (qkv bias) is MODEL_UNSUPPORTED.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  readFileSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
  mkdirSync,
  copyFileSync,
  readdirSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { Graph } from '../../../../src-main/core/molmo2/compile/graph.js';
import * as o from '../../../../src-main/core/molmo2/compile/ops.js';
import { encodeModel } from '../../../../src-main/core/molmo2/compile/emit.js';
import { compileGraphs, graphSessionOptions } from '../../../../src-main/core/molmo2/compile/compile.js';
import { Molmo2Runtime } from '../../../../src-main/core/molmo2/engine/runtime.js';
import { openCheckpoint } from '../../../../src-main/core/molmo2/weights.js';
import { referencePrefill } from '../../../../src-main/core/molmo2/reference/llm.js';
import { relError } from '../../../../src-main/core/molmo2/reference/math.js';
import { AppError } from '../../../../src-main/api/errors.js';
import { scratchDir, tinyCheckpoint } from '../../../helpers/tiny.js';

test('typed graph API emits a model onnxruntime runs (Loop with a carried, growing value)', async () => {
  const g = new Graph('t');
  const x = g.input('x', 'float32', [1, 2]);
  const n = g.input('n', 'int64', []);
  const body = g.sub('body');
  body.input('i', 'int64', []);
  body.input('c', 'bool', []);
  const acc = body.input('acc', 'float32', null);
  body.output(o.bool(body, true));
  body.output(o.concat(body, [acc, x], 0));
  body.output(o.cast(body, o.reduceSum(body, acc, [0, 1], false), 'float32'));
  const [fin, sums] = o.loop(g, n, o.bool(g, true), [x], body, ['float32']);
  g.output(fin!, 'final');
  g.output(sums!, 'sums');
  const dir = scratchDir('emit');
  writeFileSync(join(dir, 'm.onnx'), encodeModel(g));
  const decoded = onnxProto.onnx.ModelProto.decode(readFileSync(join(dir, 'm.onnx')));
  assert.equal(Number(decoded.irVersion), 10);
  const s = await ort.InferenceSession.create(join(dir, 'm.onnx'));
  const r = await s.run({
    x: new ort.Tensor('float32', Float32Array.of(1, 2), [1, 2]),
    n: new ort.Tensor('int64', BigInt64Array.of(3n), []),
  });
  assert.deepEqual(r.final!.dims, [4, 2]);
  assert.deepEqual(Array.from(r.sums!.data as Float32Array), [3, 6, 9]);
});

test('fp32 checkpoint: graphs go to the cache and read weights in place from the shards (no copy, nothing written beside them)', async () => {
  const ck = openCheckpoint(tinyCheckpoint({ seed: 1 }));
  const before = readdirSync(ck.dir).sort();
  const cache = scratchDir('cc');
  const g = compileGraphs(ck, { cacheDir: cache, kinds: ['vision', 'step'] });
  assert.equal(join(g.paths.vision, '..'), cache);
  assert.equal(g.externalDir, realpathSync(ck.dir));
  assert.deepEqual(readdirSync(ck.dir).sort(), before, 'the checkpoint folder is not written to');
  assert.ok(statSync(g.paths.vision).size < 2_000_000, 'weights must not be inlined');
  const m = onnxProto.onnx.ModelProto.decode(readFileSync(g.paths.step));
  const emb = m.graph!.initializer!.find(
    (t) => t.externalData?.some((e) => e.value === 'model.safetensors') && Number(t.dims![0]) === 151936,
  );
  assert.ok(emb, 'embedding is an external initializer into model.safetensors');
  assert.ok(
    readdirSync(cache).every((f) => f.endsWith('.onnx')),
    'nothing converted',
  );
  const s = await ort.InferenceSession.create(readFileSync(g.paths.step), graphSessionOptions(g.externalDir));
  await s.release();
});

test('fp32 checkpoint as a Hugging Face cache snapshot (symlinks into blobs/): weights read in place from the blobs', async () => {
  const src = tinyCheckpoint({ seed: 1, shards: 2 });
  const hub = scratchDir('hub');
  mkdirSync(join(hub, 'blobs'));
  mkdirSync(join(hub, 'snapshots', 'abc'), { recursive: true });
  for (const f of readdirSync(src)) {
    const blob = createHash('sha256')
      .update(readFileSync(join(src, f)))
      .digest('hex');
    copyFileSync(join(src, f), join(hub, 'blobs', blob));
    symlinkSync(join('..', '..', 'blobs', blob), join(hub, 'snapshots', 'abc', f));
  }
  const rt = Molmo2Runtime.open(join(hub, 'snapshots', 'abc'), { provider: 'cpu', cacheDir: scratchDir('hub-cache') });
  try {
    const got = await rt.generate({
      ids: [151645, 300, 301],
      types: [0, 0, 0],
      features: new Float32Array(0),
      maxNewTokens: 2,
    });
    assert.equal(got.tokens.length, 2);
    assert.equal(rt.compiled().externalDir, join(realpathSync(hub), 'blobs'));
    assert.ok(readdirSync(join(hub, 'snapshots', 'abc')).every((f) => !f.endsWith('.onnx')));
  } finally {
    await rt.dispose();
  }
});

test('bf16 checkpoint: weights converted once to fp32 in the cache, logits match the reference', async () => {
  const dir = tinyCheckpoint({ seed: 2, dtype: 'bfloat16' });
  const cache = scratchDir('bf16');
  // A CPU runtime on the bf16 checkpoint that notes each convert-weights progress value in `seen`.
  const open = (seen: number[]) =>
    Molmo2Runtime.open(dir, {
      provider: 'cpu',
      cacheDir: cache,
      onProgress: (st, d) => {
        if (st === 'convert-weights') seen.push(d);
      },
    });
  const progress: number[] = [];
  const rt = open(progress);
  const ids = [151645, 300, 301, 302, 303];
  const types = ids.map(() => 0);
  const got = await rt.generate({ ids, types, features: new Float32Array(0), maxNewTokens: 4 });
  assert.ok(progress.length > 10 && existsSync(join(cache, 'graphs', 'weights-f32.bin')));
  const ref = referencePrefill(rt.ck, ids, types, null);
  let best = 0;
  for (let i = 1; i < ref.lastLogits.length; i++) if (ref.lastLogits[i]! > ref.lastLogits[best]!) best = i;
  assert.equal(got.tokens[0], best);
  await rt.dispose();
  // A second runtime reuses the converted file (no progress events).
  const again: number[] = [];
  const rt2 = open(again);
  await rt2.generate({ ids, types, features: new Float32Array(0), maxNewTokens: 1 });
  assert.equal(again.length, 0);
  await rt2.dispose();
  void relError;
});

test('a checkpoint with a qkv bias (no released Molmo2 has one) is refused with MODEL_UNSUPPORTED naming it', () => {
  const src = tinyCheckpoint({ seed: 1 });
  const dir = scratchDir('qkv-bias');
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(src)) if (!f.endsWith('.onnx')) copyFileSync(join(src, f), join(dir, f));
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  Object.assign(cfg.text_config, { qkv_bias: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
  assert.throws(
    () => Molmo2Runtime.open(dir, { provider: 'cpu', cacheDir: dir }),
    (e: unknown) => e instanceof AppError && e.code === 'MODEL_UNSUPPORTED' && /qkv_bias/.test(e.message),
  );
});
