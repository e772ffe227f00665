// The precision bench's GGUF writer (bench/precision/gguf-util.ts): header and metadata round trip, Q4_0/Q8_0
// codes, refusal of broken files, and the tiny checkpoint's decoder written as a qwen3 GGUF run by llama.cpp
// (node-llama-cpp's prebuilt CPU binary) against our fp32 decoder on the same token ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ControlledEvaluateInputItem, type Token } from 'node-llama-cpp';
import {
  dequantize,
  quantizeQ4_0,
  quantizeQ8_0,
  readGgufHeader,
  readGgufTensor,
  writeGguf,
  type GgufValue,
} from '../../bench/precision/gguf-util.js';
import { cpuLlama } from '../../bench/precision/llama-cpu.js';
import { writeMolmo2DecoderGguf } from '../../bench/precision/molmo2-gguf-util.js';
import { Molmo2Runtime } from '../../src-main/core/molmo2/engine/runtime.js';
import { referencePrefill } from '../../src-main/core/molmo2/reference/llm.js';
import { openCheckpoint } from '../../src-main/core/molmo2/weights.js';
import { mulberry32 } from '../helpers/random.js';
import { scratchDir, tinyCheckpoint } from '../helpers/tiny.js';

const at = <T>(a: ArrayLike<T>, i: number): T => {
  const v = a[i];
  if (v === undefined) throw new Error(`index ${i} out of range`);
  return v;
};

test('writeGguf: metadata, tensor infos and data read back; offsets aligned; quantised data within half a step', () => {
  const dir = scratchDir('gguf');
  const rng = mulberry32(5);
  const x = Float32Array.from({ length: 64 * 3 }, () => (rng() - 0.5) * 4);
  const meta = new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: 'qwen3' }],
    ['general.alignment', { type: 'u32', value: 64 }],
    ['t.f', { type: 'f32', value: 0.5 }],
    ['t.b', { type: 'bool', value: true }],
    ['t.strs', { type: 'array', of: 'string', value: ['a', 'Ġb c', ''] }],
    ['t.ints', { type: 'array', of: 'i32', value: [1, -3, 5] }],
  ]);
  const bytes = (a: Float32Array | Uint8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const file = join(dir, 'm.gguf');
  writeGguf(file, meta, [
    { name: 'a', dims: [64, 3], type: 'F32', write: (put) => put(bytes(x)) },
    {
      name: 'q4',
      dims: [64, 3],
      type: 'Q4_0',
      write: (put) => (put(quantizeQ4_0(x.subarray(0, 96))), put(quantizeQ4_0(x.subarray(96)))),
    },
    { name: 'q8', dims: [64, 3], type: 'Q8_0', write: (put) => put(quantizeQ8_0(x)) },
    { name: 'n', dims: [5], type: 'F32', write: (put) => put(bytes(Float32Array.of(1, 2, 3, 4, 5))) },
  ]);
  const h = readGgufHeader(file);
  assert.equal(h.version, 3);
  assert.equal(h.alignment, 64);
  assert.equal(h.metadata.get('general.architecture'), 'qwen3');
  assert.equal(h.metadata.get('t.f'), 0.5);
  assert.equal(h.metadata.get('t.b'), true);
  assert.deepEqual(h.metadata.get('t.strs'), ['a', 'Ġb c', '']);
  assert.deepEqual(h.metadata.get('t.ints'), [1, -3, 5]);
  assert.deepEqual(
    h.tensors.map((t) => [t.name, t.dims, t.type]),
    [
      ['a', [64, 3], 0],
      ['q4', [64, 3], 2],
      ['q8', [64, 3], 8],
      ['n', [5], 0],
    ],
  );
  for (const t of h.tensors) assert.equal(t.offset % 64, 0, `${t.name} aligned`);
  assert.deepEqual(dequantize('F32', readGgufTensor(file, h, 'a').data), x);
  for (const [name, steps] of [
    ['q4', 8],
    ['q8', 127],
  ] as const) {
    const y = dequantize(name === 'q4' ? 'Q4_0' : 'Q8_0', readGgufTensor(file, h, name).data);
    for (let b = 0; b < x.length; b += 32) {
      const blk = x.subarray(b, b + 32);
      // Q8_0: half a step of max|x|/127. Q4_0: step |d| = max|x|/8; half a step, but a whole one at the end opposite
      // the largest-magnitude value, where code 16 is clamped to 15.
      const amax = Math.max(...blk.map(Math.abs));
      const bound = name === 'q4' ? amax / 8 : (0.51 * amax) / steps;
      for (let j = 0; j < 32; j++)
        assert.ok(Math.abs(at(y, b + j) - at(blk, j)) <= bound * 1.01 + 1e-6, `${name}[${b + j}]`);
    }
  }
  assert.equal(h.fileBytes, readFileSync(file).length);
});

test('Q4_0 codes: the largest-magnitude value maps to code 0 (−8·d) with d = max/−8, nibbles j and j+16 share byte j', () => {
  const x = new Float32Array(32);
  x[0] = -8; // d = 1
  x[16] = 7;
  x[1] = 0.4; // rounds to 8 (0)
  const q = quantizeQ4_0(x);
  assert.deepEqual([q[0], q[1]], [0x00, 0x3c]); // fp16 1.0
  assert.equal(at(q, 2), 0x00 | (15 << 4));
  assert.equal(at(q, 3) & 15, 8);
  assert.deepEqual(Array.from(dequantize('Q4_0', q).subarray(0, 2)), [-8, 0]);
  assert.equal(at(dequantize('Q4_0', q), 16), 7);
});

test('Q8_0 codes: d = max|x|/127 in fp16, halves round away from zero (as ggml, in C)', () => {
  const x = new Float32Array(32);
  x[0] = 127; // d = 1
  x[1] = -2.5;
  x[2] = 2.5;
  x[3] = -127;
  const q = quantizeQ8_0(x);
  assert.deepEqual([q[0], q[1]], [0x00, 0x3c]);
  assert.deepEqual(Array.from(new Int8Array(q.buffer, 2, 4)), [127, -3, 3, -127]);
});

test('readGgufHeader refuses a bad magic, a truncated header and counts that cannot fit, without allocating them', () => {
  const dir = scratchDir('gguf-bad');
  const file = join(dir, 'ok.gguf');
  writeGguf(file, new Map([['general.architecture', { type: 'string', value: 'qwen3' }]]), [
    { name: 'n', dims: [4], type: 'F32', write: (put) => put(new Uint8Array(16)) },
  ]);
  const good = readFileSync(file);
  const bad = (name: string, b: Buffer, re: RegExp) => {
    const p = join(dir, name);
    writeFileSync(p, b);
    assert.throws(() => readGgufHeader(p), re, name);
  };
  bad('magic', Buffer.concat([Buffer.from('GGUX'), good.subarray(4)]), /bad magic/);
  bad('truncated', good.subarray(0, 40), /truncated or corrupt/);
  const huge = Buffer.from(good);
  huge.writeBigUInt64LE(1n << 40n, 8); // tensor count
  bad('count', huge, /cannot fit/);
  const longStr = Buffer.from(good);
  longStr.writeBigUInt64LE(1n << 50n, 24); // the first key's length
  bad('string', longStr, /truncated or corrupt/);
  assert.throws(
    () => writeGguf(join(dir, 'x.gguf'), new Map(), [{ name: 'q', dims: [33], type: 'Q4_0', write: () => {} }]),
    /multiple of 32/,
  );
  assert.throws(
    () =>
      writeGguf(join(dir, 'y.gguf'), new Map(), [
        { name: 'n', dims: [4], type: 'F32', write: (put) => put(new Uint8Array(12)) },
      ]),
    /wrote 12 bytes/,
  );
});

test("the tiny decoder as a qwen3 GGUF: llama.cpp's next-token probabilities match our fp32 decoder's (rel. err < 1e-5), same greedy tokens", async (t) => {
  const ckDir = tinyCheckpoint({ seed: 1 });
  const ck = openCheckpoint(ckDir);
  const dir = scratchDir('gguf-tiny');
  const file = join(dir, 'tiny-f32.gguf');
  writeMolmo2DecoderGguf(ck, file, { matrices: 'F32', embedding: 'F32' });
  // <|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n
  const ids = [151644, 872, 198, 3838, 374, 279, 6722, 315, 9625, 30, 151645, 198, 151644, 77091, 198];
  const ref = referencePrefill(
    ck,
    ids,
    ids.map(() => 0),
    null,
  ).lastLogits;
  const llama = await cpuLlama(2);
  const model = await llama.loadModel({ modelPath: file });
  try {
    // fp32 K/V: llama.cpp's default fp16 cache alone gives a 3e-4 logits error.
    const ctx = await model.createContext({
      contextSize: 64,
      threads: 2,
      experimentalKvCacheKeyType: 'F32',
      experimentalKvCacheValueType: 'F32',
      flashAttention: false,
    });
    const seq = ctx.getSequence();
    const out = await seq.controlledEvaluate(
      (ids as Token[]).map((t, i): ControlledEvaluateInputItem =>
        i < ids.length - 1 ? t : [t, { generateNext: { probabilities: true } }],
      ),
    );
    // node-llama-cpp 3.21 (the newest with every platform package on npm) gives the softmax, not raw logits: compare
    // it with the softmax of our logits.
    const probs = out[ids.length - 1]?.next?.probabilities;
    assert.ok(probs, 'llama.cpp returned probabilities');
    assert.equal(probs.size, ck.config.text_config.vocab_size);
    const ours = softmax(ref);
    let maxDiff = 0;
    let maxP = 0;
    for (const [tok, p] of probs) maxDiff = Math.max(maxDiff, Math.abs(p - at(ours, tok)));
    for (const p of ours) maxP = Math.max(maxP, p);
    t.diagnostic(`max |Δp| / max p = ${maxDiff / maxP}`);
    assert.ok(maxDiff / maxP < 1e-5, `probabilities rel. err ${maxDiff / maxP}`);
    // Greedy continuation: llama.cpp from its own logits, ours from the ONNX generate graph (fp32, CPU).
    await seq.clearHistory();
    const theirs: Token[] = [];
    for await (const t of seq.evaluate(ids as Token[], { temperature: 0 })) if (theirs.push(t) >= 6) break;
    const rt = Molmo2Runtime.open(ckDir, { provider: 'cpu', cacheDir: join(dir, 'cache') });
    try {
      const ours = await rt.generate({
        ids,
        types: ids.map(() => 0),
        features: new Float32Array(0),
        maxNewTokens: 6,
        repeatGuard: 0,
      });
      assert.deepEqual(ours.tokens, theirs.map(Number));
    } finally {
      await rt.dispose();
    }
  } finally {
    await model.dispose();
    await llama.dispose();
  }
});

function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, at(logits as ArrayLike<number>, i));
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(at(logits as ArrayLike<number>, i) - max);
  for (let i = 0; i < out.length; i++) out[i] = at(out, i) / sum;
  return out;
}
