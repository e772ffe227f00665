// Crash test: a real child process runs the indexing job and is killed with SIGKILL at seeded random points.
// After each kill the library passes integrity_check, every stored window has exactly one caption, progress
// matches the rows, and the final rows equal an uninterrupted run's. KILLS env var raises the kill count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { openLibrary, type Library } from '../../../src-main/core/library/store.js';
import { getJob } from '../../../src-main/core/library/jobs.js';
import { queueIndexJob } from '../../../src-main/core/library/index-job.js';
import { scratchDir } from '../../helpers/tiny.js';
import { seedRecordings } from './index-seed.js';

const CHILD = resolve('tests/core/library/fixtures/index-child.ts');
const DURATIONS = [200, 41, 400];
const DELAY_MS = 15;
const params = { modelId: 'test/deterministic-captioner@1', promptKind: 'dense' as const, windowLength: 10, overlap: 2 };

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function prepare(name: string): { path: string; jobId: number } {
  const path = join(scratchDir('lib-crash'), name);
  const lib = openLibrary(path, { create: true });
  seedRecordings(lib, DURATIONS);
  const jobId = queueIndexJob(lib, params).id;
  lib.close();
  return { path, jobId };
}

/** Runs the child; kills it with SIGKILL `killAfterMs` after it reports ready (or lets it finish when null). */
function runChild(db: string, jobId: number, killAfterMs: number | null): Promise<{ killed: boolean; code: number | null; out: string }> {
  return new Promise((resolveP, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db, String(jobId), String(DELAY_MS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (killAfterMs !== null && !timer && out.includes('ready\n')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      if (sig !== 'SIGKILL' && code !== 0) reject(new Error(`child exited ${code}: ${err}`));
      else resolveP({ killed: sig === 'SIGKILL', code, out });
    });
  });
}

type Row = { recording_id: number; idx: number; start_s: number; end_s: number; sample_times: string; text: string; tokens: number; model_id: string };
const rows = (lib: Library) => lib.db.prepare(`SELECT w.recording_id, w.idx, w.start_s, w.end_s, w.sample_times, c.text, c.tokens, c.model_id
  FROM windows w JOIN captions c ON c.window_id = w.id ORDER BY w.recording_id, w.idx`).all() as Row[];

function checkConsistent(path: string, jobId: number): { done: number; total: number; status: string } {
  const lib = openLibrary(path, { create: false, integrity: 'full' }); // throws LIBRARY_CORRUPT if integrity_check fails
  try {
    assert.equal(lib.db.pragma('integrity_check', { simple: true }), 'ok');
    const windows = lib.db.prepare('SELECT count(*) FROM windows').pluck().get() as number;
    const captions = lib.db.prepare('SELECT count(*) FROM captions').pluck().get() as number;
    const orphanWindows = lib.db.prepare('SELECT count(*) FROM windows w WHERE NOT EXISTS (SELECT 1 FROM captions c WHERE c.window_id = w.id)').pluck().get();
    assert.equal(orphanWindows, 0, 'a window was stored without its caption');
    assert.equal(windows, captions, 'windows and captions differ');
    assert.equal(lib.db.prepare("SELECT count(*) FROM captions_fts WHERE captions_fts MATCH 'window'").pluck().get(), captions, 'FTS out of step');
    const job = getJob(lib, jobId);
    assert.equal(job.done, captions, 'job progress differs from stored windows');
    return { done: job.done, total: job.total, status: job.status };
  } finally {
    lib.close();
  }
}

test('indexing survives SIGKILL at random points and ends equal to an uninterrupted run', { timeout: 120_000 }, async () => {
  const ref = prepare('reference.db');
  const r = await runChild(ref.path, ref.jobId, null);
  assert.match(r.out, /"status":"done"/);
  const refLib = openLibrary(ref.path, { create: false });
  const expected = rows(refLib);
  refLib.close();
  assert.ok(expected.length > 30, `expected many windows, got ${expected.length}`);

  const crash = prepare('crashed.db');
  const rand = mulberry32(Number(process.env.CRASH_SEED ?? 20261122));
  const kills = Number(process.env.KILLS ?? 10);
  let killed = 0;
  let lastDone = -1;
  let attempts = 0;
  // A window takes ~DELAY_MS: a kill 0–80 ms after "ready" lands in job setup, mid-caption or mid-commit.
  while (killed < kills) {
    const killAfter = Math.floor(rand() * 80);
    const res = await runChild(crash.path, crash.jobId, killAfter);
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
  assert.ok(killed >= Math.min(kills, 3), `only ${killed} kills landed`);
  assert.ok(job.attempts >= killed, `attempts ${job.attempts} < kills ${killed}`);
  console.log(`crash test: ${killed} SIGKILLs over ${attempts + 1} runs, ${got.length} windows, attempts=${job.attempts}`);
});
