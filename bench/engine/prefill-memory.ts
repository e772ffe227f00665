// Bench: peak resident memory of one prefill (+1 decode token) at long contexts on the tiny checkpoint, each context
// in a fresh child process so peaks do not mix. Run: npx tsx bench/engine/prefill-memory.ts [--contexts 4000,10000]
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Molmo2Runtime } from '../../src-main/core/molmo2/engine/runtime.js';
import { scratchDir, tinyCheckpoint } from '../../tests/helpers/tiny.js';
import { longTextInputs } from '../../tests/core/molmo2/runtime/inputs.js';

const { values } = parseArgs({
  options: {
    contexts: { type: 'string', default: '4000,10000' },
    child: { type: 'string' },
    chunk: { type: 'string' },
  },
});

if (values.child) {
  const ctx = Number(values.child);
  const chunk = values.chunk ? Number(values.chunk) : undefined;
  const rt = Molmo2Runtime.open(tinyCheckpoint({ seed: 1 }), {
    provider: 'cpu',
    cacheDir: scratchDir('bench-mem'),
    ...(chunk ? { prefillChunk: chunk } : {}),
  });
  const inp = longTextInputs(64, 1);
  await rt.generate({ ...inp, features: new Float32Array(0), maxNewTokens: 1 }); // sessions loaded
  const loaded = process.memoryUsage().rss;
  const before = process.resourceUsage().maxRSS * 1024;
  const big = longTextInputs(ctx, ctx);
  const t0 = performance.now();
  await rt.generate({ ...big, features: new Float32Array(0), maxNewTokens: 1 });
  const ms = performance.now() - t0;
  console.log(
    JSON.stringify({
      ctx,
      loadedRss: loaded,
      peakBeforeLong: before,
      peakRss: process.resourceUsage().maxRSS * 1024,
      ms,
    }),
  );
  await rt.dispose();
} else {
  const self = fileURLToPath(import.meta.url);
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  console.log('| context | RSS after load (MiB) | peak RSS (MiB) | peak − load (MiB) | prefill+1 token ms |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const ctx of values.contexts.split(',').map(Number)) {
    const args = ['--import', 'tsx', self, '--child', String(ctx), ...(values.chunk ? ['--chunk', values.chunk] : [])];
    const r = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' }).trim().split('\n').pop()!) as {
      loadedRss: number;
      peakRss: number;
      ms: number;
    };
    console.log(
      `| ${ctx} | ${mib(r.loadedRss)} | ${mib(r.peakRss)} | ${mib(r.peakRss - r.loadedRss)} | ${r.ms.toFixed(0)} |`,
    );
  }
}
