// End to end through the serve host's dispatcher: import the shared samples plus generated clips and bad inputs,
// index them in the background with a generated Molmo2 checkpoint on CPU (the real captioner and session), then
// search a word of a stored caption and get its recording and window times back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import type { EventPayload } from '../../../src-main/api/contract.js';
import type { JobDto, MomentDto, Recording, WindowDto } from '../../../src-main/api/ops/library.js';
import { createDispatcher } from '../../../src-main/core/handlers/index.js';
import { shutdownHost } from '../../../src-main/core/host-shutdown.js';
import { scratchDir } from '../../helpers/tiny.js';
import { keepJobProgress } from '../../helpers/job-watch.js';
import { tinyEngineContext } from './tiny-engine.js';
import { sampleClip } from '../../helpers/media-fixtures.js';
import { makeImportFolder } from './clips.js';
import { opCaller } from '../../helpers/cli.js';

const sample = sampleClip('concourse-crowd-720p.avi');

test(
  'import samples + generated clips, index on CPU with the tiny checkpoint, search a stored word',
  { timeout: 240_000, skip: sample ? false : 'shared sample missing' },
  async () => {
    const dir = scratchDir('index-e2e');
    const f = makeImportFolder(join(dir, 'footage'));
    const progress: EventPayload<'job.progress'>[] = [];
    const ctx = await tinyEngineContext(dir, { host: 'serve', emit: keepJobProgress(progress) });
    const d = createDispatcher(ctx);
    const call = opCaller(d);
    try {
      await call('library.open', { path: join(dir, 'lib.db') });
      const rep = await call<{ results: Array<{ path: string; action: string; code?: string; reason?: string }> }>(
        'library.import',
        { paths: [dirname(sample!), join(dir, 'footage')] },
      );
      const by = Object.fromEntries(rep.results.map((r) => [r.path, r]));
      // Bad inputs are listed as rejected, each with its code and a reason a user can read.
      for (const [file, code] of [
        [f.empty, 'NOT_A_VIDEO'],
        [f.text, 'NOT_A_VIDEO'],
        [f.audio, 'NO_VIDEO_STREAM'],
        [f.truncated, 'UNREADABLE'],
      ] as const) {
        assert.equal(by[file]?.action, 'rejected', file);
        assert.equal(by[file]?.code, code, file);
        assert.ok((by[file]?.reason ?? '').length > 10, `reason for ${file}`);
      }
      assert.equal(by[f.aCopy]?.action, 'duplicate');
      const before = (await call<{ recordings: Recording[] }>('library.recordings', {})).recordings;
      const ready = before.filter((r) => r.status === 'ready');
      assert.deepEqual(ready.map((r) => r.path).sort(), [sample!, f.a, f.b].sort());

      // Queue through the contract; the host's job loop runs it in the background.
      const job = await call<JobDto>('library.index', { windowLength: 8, overlap: 2 });
      assert.equal(job.status, 'queued');
      assert.ok(job.total >= 4, `planned ${job.total} windows`);
      const t0 = Date.now();
      while (!progress.some((p) => p.jobId === job.id && p.status !== 'running')) {
        if (Date.now() - t0 > 200_000) assert.fail('index job did not finish');
        await new Promise((r) => setTimeout(r, 100));
      }
      const fin = await call<JobDto>('jobs.get', { id: job.id });
      assert.equal(fin.status, 'done', `${fin.errorCode}: ${fin.errorMessage}`);
      assert.equal(fin.done, fin.total);
      assert.equal(fin.done, job.total);
      const running = progress.filter((p) => p.jobId === job.id && p.status === 'running' && p.done > 0);
      assert.ok(
        running.length > 0 && running.every((p) => p.etaSeconds !== null && p.etaSeconds >= 0),
        'progress carries an ETA',
      );

      // Every ready recording is fully indexed; the rejected ones stay rejected with their reason.
      const after = (await call<{ recordings: Recording[] }>('library.recordings', {})).recordings;
      for (const r of after.filter((x) => x.status === 'ready'))
        assert.ok(r.windows > 0 && r.windows === r.captions, `${r.path}: ${r.windows}/${r.captions}`);
      assert.equal(after.filter((x) => x.status === 'rejected').length, 4);

      // Pick a word that occurs in the captions of exactly one recording, search it, get that recording and its times.
      const windows = new Map<number, WindowDto[]>();
      for (const r of after.filter((x) => x.status === 'ready'))
        windows.set(r.id, (await call<{ windows: WindowDto[] }>('library.windows', { recordingId: r.id })).windows);
      for (const ws of windows.values())
        for (const w of ws) {
          assert.equal(w.captions.length, 1);
          assert.ok(w.captions[0]!.modelId.startsWith('tiny-'), w.captions[0]!.modelId);
          assert.equal(w.captions[0]!.promptKind, 'dense');
        }
      // Words as FTS5's unicode61 tokenizer sees them (an a-z run inside other letters is not a word).
      const tokens = (t: string) =>
        (t.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).filter((x) => /^[a-z]{4,}$/.test(x));
      const words = (ws: WindowDto[]) => new Set(ws.flatMap((w) => tokens(w.captions[0]!.text)));
      let pick: { word: string; rec: number } | null = null;
      for (const [rec, ws] of windows) {
        const others = [...windows].filter(([id]) => id !== rec).map(([, x]) => words(x));
        const w = [...words(ws)]
          .sort()
          .find((x) => others.every((o) => ![...o].some((y) => y.startsWith(x.slice(0, 4)))));
        if (w) {
          pick = { word: w, rec };
          break;
        }
      }
      assert.ok(pick, 'some caption word is unique to one recording');
      const { results } = await call<{ results: MomentDto[] }>('library.search', { query: pick.word });
      assert.ok(results.length > 0, `no result for "${pick.word}"`);
      for (const m of results)
        assert.equal(m.recordingId, pick.rec, `"${pick.word}" found in recording ${m.recordingId}`);
      const hitWindows = windows.get(pick.rec)!.filter((w) => tokens(w.captions[0]!.text).includes(pick.word));
      // Porter stemming may also match other forms of the word: any word sharing its first four letters.
      const stemWindows = windows
        .get(pick.rec)!
        .filter((w) => tokens(w.captions[0]!.text).some((x) => x.startsWith(pick.word.slice(0, 4))));
      assert.ok(hitWindows.length > 0);
      for (const w of hitWindows) {
        assert.ok(
          results.some((m) => m.start <= w.start + 1e-6 && m.end >= w.end - 1e-6),
          `window ${w.start}–${w.end} is inside a moment`,
        );
      }
      assert.ok(
        results.every((m) => stemWindows.some((w) => Math.abs(w.start - m.start) < 1e-6)),
        'moments start where a matching window starts',
      );
      assert.match(results[0]!.snippet, /«/);
    } finally {
      await shutdownHost(ctx);
    }
  },
);
