// `molmoscope finetune` in a child process: build a dataset, train with NDJSON step events, kill -9 mid-run, resume
// the job from its last checkpoint to the end (steps stored once each, adapter registered, before/after evaluated).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { tinyCheckpoint } from '../../helpers/tiny.js';
import { seedLibrary } from './ft-seed.js';

function child(
  args: string[],
  env: NodeJS.ProcessEnv,
  killAtStep?: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  return new Promise((res) => {
    const c = spawn(process.execPath, ['bin/molmoscope.mjs', 'finetune', ...args], { env });
    let out = '';
    let err = '';
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAtStep !== undefined && out.includes(`"event":"step","jobId":`) && out.includes(`"step":${killAtStep},`))
        c.kill('SIGKILL');
    });
    c.on('exit', (code, signal) => res({ code, signal, out, err }));
  });
}

const events = (out: string) =>
  out
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{"event"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test(
  'finetune CLI: dataset, train killed with -9 and resumed from its checkpoint, evals, adapters',
  { timeout: 15 * 60_000 },
  async () => {
    const s = await seedLibrary('ft-cli');
    const inst = await s.call<{ count: { instances: Array<{ id: number }> } }>('analytics.result', {
      runId: s.countRun,
    });
    await s.call('finetune.review', { runId: s.countRun, instanceId: inst.count.instances[0]!.id, verdict: 'reject' });
    await s.call('analytics.correct', { runId: s.trackRun, edit: { kind: 'delete', trackId: 2 } });
    s.lib.close();
    const db = join(s.dir, 'lib.db');
    const env = {
      ...process.env,
      MOLMOSCOPE_HOME: join(s.dir, 'home'),
      MOLMOSCOPE_LOG_LEVEL: 'silent',
      FFMPEG_BIN: process.env.FFMPEG_BIN ?? 'ffmpeg',
    };
    const model = tinyCheckpoint({ seed: 1 });

    const built = await child(
      ['dataset', 'build', '--library', db, '--name', 'cli', '--heldout', '0.5', '--json'],
      env,
    );
    assert.equal(built.code, 0, built.err);
    const ds = (JSON.parse(built.out) as { dataset: { id: number } }).dataset.id;
    const human = await child(['dataset', 'list', '--library', db], env);
    assert.match(human.out, /#1 cli v1: \d+\/\d+ included/);
    const est = await child(
      ['train', String(ds), '--library', db, '--model', model, '--steps', '6', '--rank', '2', '--estimate'],
      env,
    );
    assert.match(est.out, /memory about [\d.]+ GiB of [\d.]+ GiB \(fits\)/, est.err);

    const train = [
      'train',
      String(ds),
      '--library',
      db,
      '--model',
      model,
      '--steps',
      '12',
      '--rank',
      '2',
      '--alpha',
      '4',
      '--warmup',
      '0',
      '--checkpoint-every',
      '1',
      '--lr',
      '0.001',
      '--eval-max-new-tokens',
      '4',
      '--json',
    ];
    const killed = await child(train, env, 3);
    assert.equal(killed.signal, 'SIGKILL', killed.err);
    const job = (events(killed.out).find((e) => e.event === 'step') as { jobId: number }).jobId;
    const resumed = await child(['train', '--resume', String(job), '--library', db, '--model', model, '--json'], env);
    assert.equal(resumed.code, 0, resumed.err);
    const ev = events(resumed.out);
    const steps = ev.filter((e) => e.event === 'step').map((e) => e.step as number);
    // Every step is checkpointed before its event, so the run resumes right after the last step the killed one
    // printed, or one later when the kill landed between a checkpoint and its event.
    const lastKilled = Math.max(
      ...events(killed.out)
        .filter((e) => e.event === 'step')
        .map((e) => e.step as number),
    );
    assert.ok(
      lastKilled >= 3 && steps[0]! >= lastKilled + 1 && steps[0]! <= lastKilled + 2 && steps.at(-1) === 12,
      `killed after step ${lastKilled}, resumed at ${steps[0]} (the last checkpoint), ended at ${steps.at(-1)}`,
    );
    const ends = ev.filter((e) => e.event === 'job').map((e) => e.job as { kind: string; status: string });
    assert.deepEqual(
      ends.map((j) => [j.kind, j.status]),
      [
        ['finetune.train', 'done'],
        ['finetune.eval', 'done'],
        ['finetune.eval', 'done'],
      ],
    );

    const evals = await child(['evals', String(ds), '--library', db], env);
    assert.match(evals.out, /base .* n=\d+/);
    assert.match(evals.out, /adapter 1 .* n=\d+/);
    const list = await child(['adapters', 'list', '--library', db, '--json'], env);
    const adapters = (
      JSON.parse(list.out) as { adapters: Array<{ id: number; datasetLabel: string; settings: { steps: number } }> }
    ).adapters;
    assert.deepEqual(
      adapters.map((a) => [a.id, a.datasetLabel, a.settings.steps]),
      [[1, 'cli v1', 12]],
    );
    const bad = await child(['adapters', 'rename', '1', '', '--library', db], env);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /INVALID_INPUT/);
  },
);
