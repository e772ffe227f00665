// Crash test: a real child process runs the indexing job with the REAL captioner (generated Molmo2 checkpoint, CPU)
// and is killed with SIGKILL at 20 seeded random points. After each kill the library passes integrity_check (and the
// FTS index its own), every stored window has exactly one caption, progress matches the rows, and the final rows
// equal an uninterrupted run's (greedy decoding is deterministic). KILLS env var changes the kill count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { openLibrary, type Library } from '../../../src-main/core/library/store.js';
import { getJob } from '../../../src-main/core/library/jobs.js';
import { queueIndexJob } from '../../../src-main/core/library/index-job.js';
import { importPaths } from '../../../src-main/core/library/import.js';
import { testMediaSource } from '../../helpers/media-source.js';
import { checkpointContentId } from '../../../src-main/core/library/molmo2-captioner.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { indexClip } from '../../helpers/media-fixtures.js';
import { mulberry32 } from '../../helpers/random.js';

const CHILD = resolve('tests/core/library/fixtures/index-child-molmo2.ts');
const MODEL = tinyCheckpoint({ seed: 1 });
// Small clips, short windows, few frames: each window is a real Molmo2 call (~1–2 s here), the job ~7 windows.
const CLIPS = [
  indexClip('crash-a', { duration: 6, fps: 10 }),
  indexClip('crash-b', { duration: 6, fps: 10, width: 48, height: 64 }),
  indexClip('crash-c', { duration: 4, fps: 10 }),
];
const params = {
  modelId: checkpointContentId(MODEL),
  promptKind: 'dense' as const,
  windowLength: 2,
  overlap: 0.5,
  maxFrames: 4,
};
const CACHE = scratchDir('crash-model-cache');

async function prepare(name: string): Promise<{ path: string; jobId: number }> {
  const path = join(scratchDir('lib-crash'), name);
  const lib = openLibrary(path, { create: true });
  await importPaths(lib, CLIPS, { media: testMediaSource(), signal: new AbortController().signal });
  const jobId = queueIndexJob(lib, params).id;
  lib.close();
  return { path, jobId };
}

interface ChildRun {
  killed: boolean;
  code: number | null;
  out: string;
  /** ms after "ready" at which a window was stored. */ stored: number[];
}

/** Runs the child; kills it with SIGKILL `killAfterMs` after it reports ready (or lets it finish when null). */
function runChild(db: string, jobId: number, killAfterMs: number | null): Promise<ChildRun> {
  return new Promise((resolveP, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db, String(jobId), MODEL], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MOLMOSCOPE_CACHE: CACHE },
    });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    let readyAt = 0;
    let last = -1;
    const stored: number[] = [];
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (!readyAt && out.includes('ready\n')) {
        readyAt = Date.now();
        if (killAfterMs !== null) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
      for (const m of out.matchAll(/progress (\d+)\n/g)) {
        const n = Number(m[1]);
        if (last >= 0 && n > last) stored.push(Date.now() - readyAt);
        last = n;
      }
      out = out.replace(/progress \d+\n/g, '');
    });
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      if (sig !== 'SIGKILL' && code !== 0) reject(new Error(`child exited ${code}: ${err}`));
      else resolveP({ killed: sig === 'SIGKILL', code, out, stored });
    });
  });
}

type Row = {
  recording_id: number;
  idx: number;
  start_s: number;
  end_s: number;
  sample_times: string;
  text: string;
  tokens: number;
  model_id: string;
};
const rows = (lib: Library) =>
  lib.db
    .prepare(
      `SELECT w.recording_id, w.idx, w.start_s, w.end_s, w.sample_times, c.text, c.tokens, c.model_id
  FROM windows w JOIN captions c ON c.window_id = w.id ORDER BY w.recording_id, w.idx`,
    )
    .all() as Row[];

function checkConsistent(path: string, jobId: number): { done: number; total: number; status: string } {
  const lib = openLibrary(path, { create: false, integrity: 'full' }); // throws LIBRARY_CORRUPT if integrity_check fails
  try {
    assert.equal(lib.db.pragma('integrity_check', { simple: true }), 'ok');
    const windows = lib.db.prepare('SELECT count(*) FROM windows').pluck().get() as number;
    const captions = lib.db.prepare('SELECT count(*) FROM captions').pluck().get() as number;
    const orphanWindows = lib.db
      .prepare('SELECT count(*) FROM windows w WHERE NOT EXISTS (SELECT 1 FROM captions c WHERE c.window_id = w.id)')
      .pluck()
      .get();
    assert.equal(orphanWindows, 0, 'a window was stored without its caption');
    assert.equal(windows, captions, 'windows and captions differ');
    lib.db.prepare("INSERT INTO captions_terms (captions_terms) VALUES ('integrity-check')").run(); // throws SQLITE_CORRUPT_VTAB if damaged
    // Every caption is in the search index, with its statistics, exactly once.
    assert.equal(
      lib.db.prepare('SELECT count(*) FROM captions_terms').pluck().get(),
      captions,
      'search index rows differ from captions',
    );
    assert.equal(
      lib.db.prepare('SELECT count(*) FROM caption_stats s JOIN captions c ON c.id = s.id').pluck().get(),
      captions,
      'caption_stats differ from captions',
    );
    assert.deepEqual(
      lib.db.prepare('SELECT n, length FROM caption_totals').get(),
      lib.db.prepare('SELECT count(*) AS n, coalesce(sum(len), 0) AS length FROM caption_stats').get(),
    );
    const job = getJob(lib, jobId);
    assert.equal(job.done, captions, 'job progress differs from stored windows');
    return { done: job.done, total: job.total, status: job.status };
  } finally {
    lib.close();
  }
}

test(
  'indexing with the real captioner survives SIGKILL at 20 random points and ends equal to an uninterrupted run',
  { timeout: 900_000 } /* ~100 s on an idle 2-core machine; generous so a loaded one is slow, not red */,
  async () => {
    const ref = await prepare('reference.db');
    const r = await runChild(ref.path, ref.jobId, null);
    assert.match(r.out, /"status":"done"/);
    const refLib = openLibrary(ref.path, { create: false });
    const expected = rows(refLib);
    refLib.close();
    assert.ok(expected.length >= 6, `expected several windows, got ${expected.length}`);
    assert.ok(expected.every((r) => r.model_id === params.modelId && r.tokens > 0));

    const crash = await prepare('crashed.db');
    const rand = mulberry32(Number(process.env.CRASH_SEED ?? 20261122));
    const kills = Number(process.env.KILLS ?? 20);
    // From the reference run: S = ms from "ready" to the first stored window (recovery, engine start, first caption),
    // W = ms per further window (S shrinks once the compiled graphs are cached, so the smallest S seen is kept).
    // Kills land uniformly in [0, S + 1.5 W): in recovery, engine start, mid-caption or around a commit; when few
    // windows are left they land in [0, S / 4) so the job cannot finish before its 20 kills (S / 2 was not enough on a
    // loaded machine: a run more than twice as fast as every earlier one finished the job with 13 kills).
    let S = r.stored[0]!;
    const W = (r.stored[r.stored.length - 1]! - S) / Math.max(1, r.stored.length - 1);
    let killed = 0;
    let lastDone = -1;
    let attempts = 0;
    while (killed < kills) {
      const nearlyDone = expected.length - Math.max(0, lastDone) <= 4;
      const killAfter = Math.floor(rand() * (nearlyDone ? 0.25 * S : S + 1.5 * W));
      const res = await runChild(crash.path, crash.jobId, killAfter);
      if (res.stored.length) S = Math.min(S, res.stored[0]!);
      attempts++;
      const st = checkConsistent(crash.path, crash.jobId);
      if (!res.killed) break; // finished before the kill landed
      killed++;
      assert.ok(st.done >= lastDone, 'progress went backwards');
      lastDone = st.done;
    }
    const fin = await runChild(crash.path, crash.jobId, null);
    assert.equal(fin.killed, false);
    const st = checkConsistent(crash.path, crash.jobId);
    assert.equal(st.status, 'done');
    const lib = openLibrary(crash.path, { create: false });
    const got = rows(lib);
    const job = getJob(lib, crash.jobId);
    lib.close();
    assert.deepEqual(got, expected);
    assert.equal(killed, kills, `only ${killed} kills landed`);
    assert.ok(job.attempts >= killed, `attempts ${job.attempts} < kills ${killed}`);
    console.log(
      `crash test: ${killed} SIGKILLs over ${attempts + 1} runs, ${got.length} windows, attempts=${job.attempts}, S=${S} ms, W=${W.toFixed(0)} ms`,
    );
  },
);
