// Real CLI processes on one library (generated Molmo2 checkpoint, CPU): `jobs cancel` from another process ends a
// running index, count or track job as cancelled within 2 s, Ctrl-C ends an import within 2 s, and a second job
// started while one runs is refused with JOB_ALREADY_RUNNING instead of failing on a UNIQUE constraint.
// The 2 s bound is the issue's; measured figures (printed) are far below it, which is the headroom under load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openLibrary } from '../../src-main/core/library/store.js';
import { getJob, listJobs } from '../../src-main/core/library/jobs.js';
import { importPaths } from '../../src-main/core/library/import.js';
import { testMediaSource } from '../helpers/media-source.js';
import { scratchDir, tinyCheckpoint } from '../helpers/tiny.js';
import { cliFlags, runCli } from '../helpers/cli.js';
import { makeClip } from '../core/library/clips.js';

const CLI = resolve('bin/molmoscope.mjs');
const MODEL = tinyCheckpoint({ seed: 1 });

interface Child {
  proc: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  err: () => string;
}

function start(args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not NDJSON
      }
    }
  });
  proc.stderr.on('data', (d: Buffer) => (err += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { proc, lines, exited, err: () => err };
}

async function until(f: () => boolean, what: string, c: Child): Promise<void> {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > 240_000) {
      c.proc.kill('SIGKILL');
      assert.fail(`timed out waiting for ${what}: ${c.err()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

test(
  'jobs cancel ends a running index, count and track job within 2 s; a second job is JOB_ALREADY_RUNNING',
  { timeout: 900_000 },
  async () => {
    const dir = scratchDir('cli-cancel');
    const db = join(dir, 'lib.db');
    const env = { ...process.env, MOLMOSCOPE_CACHE: join(dir, 'cache') };
    const lib = openLibrary(db, { create: true });
    await importPaths(lib, [makeClip(join(dir, 'clip.mp4'), { seconds: 12 })], {
      media: testMediaSource(),
      signal: new AbortController().signal,
    });
    lib.close();
    const windows = { model: MODEL, ep: 'cpu', window: 1, overlap: 0 };
    const analytics = (kind: string) => [
      kind,
      ...cliFlags({ library: db, recording: 1, ...windows, 'max-frames': 2 }),
      '--json',
      'person',
    ];
    const runs: Record<string, string[]> = {
      index: ['index', ...cliFlags({ library: db, ...windows }), '--json'],
      count: analytics('count'),
      track: analytics('track'),
    };
    const figures: string[] = [];
    for (const [kind, args] of Object.entries(runs)) {
      const c = start(args, env);
      const progressed = () =>
        c.lines.some((l) => (l.event === 'job.progress' || l.event === 'progress') && Number(l.done) >= 1);
      await until(progressed, `${kind}: the first stored window`, c);
      const jobId = Number(c.lines.find((l) => l.jobId !== undefined)!.jobId);

      if (kind === 'index') {
        // A second job on the same library while this one runs: refused up front, the running one is untouched.
        const second = await runCli(runs.count!, { env });
        assert.equal(second.code, 2, second.out + second.err);
        const e = (JSON.parse(second.err.trim().split('\n').pop()!) as { error: { code: string; message: string } })
          .error;
        assert.equal(e.code, 'JOB_ALREADY_RUNNING', e.message);
        assert.match(e.message, new RegExp(`Job #${jobId} \\(index\\) is already running`));
      }

      const asked = await runCli(['jobs', 'cancel', String(jobId), '--library', db], { env });
      assert.equal(asked.code, 0, asked.err);
      const t0 = Date.now();
      const code = await c.exited;
      const ms = Date.now() - t0;
      figures.push(`${kind} ${ms} ms`);
      assert.notEqual(code, 0, `${kind} exits non-zero when cancelled`);
      const l = openLibrary(db, { create: false });
      const job = getJob(l, jobId);
      assert.deepEqual([job.status, job.errorCode], ['cancelled', null], `${kind}: ${job.errorMessage}`);
      assert.equal(listJobs(l, { status: ['failed'] }).length, 0, 'no job failed');
      l.close();
      assert.ok(ms < 2000, `${kind}: cancelled after ${ms} ms (bound 2 s)`);
    }
    console.log(`cancel → process exit: ${figures.join(', ')}`);
  },
);

test('Ctrl-C ends an import within 2 s, with every file already imported kept', { timeout: 300_000 }, async () => {
  const dir = scratchDir('cli-cancel-import');
  const src = makeClip(join(dir, 'src.mp4'), { seconds: 2 });
  // Distinct contents (a trailing byte each), so every file is hashed and probed, not taken for a duplicate.
  for (let i = 0; i < 60; i++) {
    const p = join(dir, 'footage', `c${String(i).padStart(2, '0')}.mp4`);
    if (i === 0) makeClip(p, { seconds: 2 });
    else copyFileSync(src, p);
    appendFileSync(p, Buffer.from([i]));
  }
  const db = join(dir, 'lib.db');
  const c = start(['import', join(dir, 'footage'), '--library', db, '--json'], process.env);
  // Wait until the import is under way (some recordings committed), then press Ctrl-C.
  await until(
    () => {
      try {
        const l = openLibrary(db, { create: false, readonly: true, integrity: 'none' });
        try {
          return (l.db.prepare('SELECT count(*) FROM recordings').pluck().get() as number) >= 3;
        } finally {
          l.close();
        }
      } catch {
        return false;
      }
    },
    'the first imported files',
    c,
  );
  const t0 = Date.now();
  c.proc.kill('SIGINT');
  const code = await c.exited;
  const ms = Date.now() - t0;
  console.log(`import Ctrl-C → process exit: ${ms} ms`);
  assert.equal(code, 2);
  assert.match(c.err(), /CANCELLED/);
  const l = openLibrary(db, { create: false });
  const n = l.db.prepare("SELECT count(*) FROM recordings WHERE status = 'ready'").pluck().get() as number;
  l.close();
  assert.ok(n >= 3 && n < 60, `${n} recordings kept`);
  assert.ok(ms < 2000, `import stopped after ${ms} ms (bound 2 s)`);
});
