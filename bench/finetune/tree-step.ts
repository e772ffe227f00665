// Bench: one training step on k answers sharing one clip — as one message tree vs as k separate examples — on the
// tiny checkpoint (or Molmo2-4B widths): tokens, step time (medians, the two alternated in one process) and the ratio.
// Run: npx tsx bench/finetune/tree-step.ts [--visual 1024,4096] [--k 3] [--answer 32] [--layers 2] [--real-width]
import { parseArgs } from 'node:util';
import { openCheckpoint } from '../../src-main/core/molmo2/weights.js';
import { TrainSession, type TrainExample } from '../../src-main/core/finetune/train-session.js';
import { assembleTree } from '../../src-main/core/finetune/message-tree.js';
import { initLora, SeededRng } from '../../src-main/core/finetune/lora.js';
import { scratchDir, tinyCheckpoint } from '../../tests/helpers/tiny.js';
import { BENCH_CHECKPOINT_ARGS, benchCheckpointOptions } from './bench-checkpoint.js';

const { values } = parseArgs({
  options: {
    ...BENCH_CHECKPOINT_ARGS,
    visual: { type: 'string', default: '1024,4096' },
    k: { type: 'string', default: '3' },
    answer: { type: 'string', default: '32' },
    threads: { type: 'string', default: '2' },
    repeats: { type: 'string', default: '3' },
  },
});

const EOS = 151645;
const layers = Number(values.layers);
const ck = openCheckpoint(tinyCheckpoint(benchCheckpointOptions(layers, values['real-width'] === true)));

/** A clip of `visual` <im_patch> tokens (random features) and k questions of 24 tokens, each with its answer. */
function clip(visual: number, k: number, answerLen: number, rng: SeededRng) {
  const tok = (n: number) => Array.from({ length: n }, () => 100 + Math.floor(rng.next() * 50000));
  const patch = ck.config.image_patch_id;
  const head = [EOS, ...new Array<number>(visual).fill(patch), ...tok(8)];
  const H = ck.config.text_config.hidden_size;
  const features = Float32Array.from({ length: visual * H }, () => rng.next() - 0.5);
  const branches = Array.from({ length: k }, () => {
    const promptIds = [...head, ...tok(24)];
    return {
      promptIds,
      promptTypes: promptIds.map((id) => (id === patch ? 1 : 0)),
      answerIds: tok(answerLen),
      weight: 0.2,
    };
  });
  return {
    tree: { ...assembleTree(branches, EOS), features } as TrainExample,
    alone: branches.map((b) => ({ ...assembleTree([b], EOS), features }) as TrainExample),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const spec = { rank: Number(values.rank), alpha: 2 * Number(values.rank) };
const s = await TrainSession.open(ck, { spec, cacheDir: scratchDir('bench-tree'), threads: Number(values.threads) });
const params = initLora(s.targets, spec, 1);
for (const v of params.values()) for (let i = 0; i < v.length; i++) v[i] = v[i]! || 0.01;
const k = Number(values.k);
console.log(
  `${values['real-width'] ? 'Molmo2-4B widths' : 'tiny checkpoint'}, ${layers} layers, rank ${values.rank}, ${values.threads} threads, k = ${k} answers of ${values.answer} tokens, CPU fp32, medians of ${values.repeats} (tree and separate alternated)`,
);
console.log(
  '| visual tokens | tree tokens | separate tokens | tree step ms | separate steps ms (sum) | separate ÷ tree |',
);
console.log('|---:|---:|---:|---:|---:|---:|');
for (const visual of values.visual.split(',').map(Number)) {
  const { tree, alone } = clip(visual, k, Number(values.answer), new SeededRng(visual));
  const W = [tree, ...alone].reduce((n, e) => n + Array.from(e.weights).reduce((a, b) => a + b, 0), 0) / 2;
  await s.step(tree, params, W); // warm-up: first-run allocations of this length
  const treeMs: number[] = [];
  const aloneMs: number[] = [];
  for (let r = 0; r < Number(values.repeats); r++) {
    let t0 = performance.now();
    await s.step(tree, params, W);
    treeMs.push(performance.now() - t0);
    t0 = performance.now();
    for (const ex of alone) await s.step(ex, params, W);
    aloneMs.push(performance.now() - t0);
  }
  const sep = alone.reduce((n, e) => n + e.ids.length, 0);
  const [tm, am] = [median(treeMs), median(aloneMs)];
  console.log(
    `| ${visual} | ${tree.ids.length} | ${sep} | ${tm.toFixed(0)} | ${am.toFixed(0)} | ${(am / tm).toFixed(2)} |`,
  );
}
await s.close();
