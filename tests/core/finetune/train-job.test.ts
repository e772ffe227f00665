// The training job on the tiny checkpoint through the real job runner: memory refusal with figures, a GPU_OOM at the
// onnxruntime boundary pauses the job with its reason, resume ends with the same adapter bytes as an uninterrupted
// run; the adapter is registered with provenance, the before/after evals are stored per task, and activating the
// adapter makes a count run record it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  configureModel,
  configuredAdapter,
  configuredModelDir,
  closeModel,
} from '../../../src-main/core/molmo2/model-host.js';
import {
  cancelJob,
  getJob,
  listJobs,
  pauseJob,
  resumeJob,
  runJob,
  runQueued,
} from '../../../src-main/core/library/jobs.js';
import { jobExecutors } from '../../../src-main/core/job-host.js';
import { queueTraining, trainExecutor, TRAIN_JOB_KIND } from '../../../src-main/core/finetune/train-job.js';
import { stepError, TrainSession } from '../../../src-main/core/finetune/train-session.js';
import { getDataset } from '../../../src-main/core/finetune/ft-datasets-store.js';
import { queueAnalyticsJob } from '../../../src-main/core/analytics/run-jobs.js';
import { createCoreContext } from '../../../src-main/core/platform/create-context.js';
import { createDispatcher } from '../../../src-main/core/handlers/index.js';
import { currentLibrary } from '../../../src-main/core/handlers/library.js';
import { tinyCheckpoint } from '../../helpers/tiny.js';
import { seedLibrary, COUNT_SETTINGS } from './ft-seed.js';

const SETTINGS = { steps: 3, rank: 2, alpha: 4, warmup: 0, checkpointEvery: 1, lr: 1e-3 };

test(
  'training job: refusal with figures, GPU_OOM pause and resume to the same bytes, provenance, before/after, activation',
  { timeout: 15 * 60_000 },
  async (t) => {
    const s = await seedLibrary('ft-train');
    const lib = s.lib;
    const model = tinyCheckpoint({ seed: 1 });
    await configureModel(s.ctx, model, 'cpu');
    t.after(() => closeModel(s.ctx)); // a failed assertion must not leave the engine process keeping the test alive
    const inst = await s.call<{ count: { instances: Array<{ id: number }> } }>('analytics.result', {
      runId: s.countRun,
    });
    await s.call('finetune.review', { runId: s.countRun, instanceId: inst.count.instances[0]!.id, verdict: 'reject' });
    await s.call('analytics.correct', { runId: s.trackRun, edit: { kind: 'rename', trackId: 1, label: 'red car' } });
    const ds = (
      await s.call<{ dataset: { id: number } }>('finetune.dataset.build', { name: 'mine', heldoutShare: 0.5 })
    ).dataset;
    const adaptersDir = join(s.dir, 'adapters');

    // Refused before anything is written, with the figures.
    const jobs0 = listJobs(lib).length;
    assert.throws(
      () =>
        queueTraining(lib, {
          datasetId: ds.id,
          baseModel: model,
          adaptersDir,
          settings: SETTINGS,
          budgetBytes: 64 * 1024 ** 2,
        }),
      (e: Error & { code?: string }) =>
        e.code === 'NOT_ENOUGH_MEMORY' && /needs about [\d.]+ GiB .* but 0\.06 GiB is available/.test(e.message),
    );
    assert.equal(listJobs(lib).length, jobs0);
    assert.equal(getDataset(lib, ds.id).frozen, false);
    const est = await s.call<{ fits: boolean; memory: { total: number }; settings: { steps: number } }>(
      'finetune.estimate',
      { datasetId: ds.id, settings: { steps: 3 } },
    );
    assert.equal(est.fits, true);
    assert.equal(est.settings.steps, 3);

    // An out-of-memory error at the onnxruntime boundary on the second step pauses the job with its reason.
    const q = queueTraining(lib, {
      datasetId: ds.id,
      baseModel: model,
      adaptersDir,
      settings: SETTINGS,
      evalMaxNewTokens: 4,
    });
    assert.equal(getDataset(lib, ds.id).frozen, true);
    let calls = 0;
    const failing = trainExecutor(s.ctx, {
      openSession: async (ck, o) => {
        const real = await TrainSession.open(ck, o);
        return {
          targets: real.targets,
          close: () => real.close(),
          step: async (ex, p, w) => {
            if (++calls === 2)
              throw stepError(new Error('Failed to allocate memory for requested buffer of size 1048576'));
            return real.step(ex, p, w);
          },
        };
      },
    });
    const paused = await runJob(lib, q.job.id, { [TRAIN_JOB_KIND]: failing });
    assert.equal(paused.status, 'paused');
    assert.equal(paused.errorCode, 'GPU_OOM');
    assert.match(paused.errorMessage ?? '', /Failed to allocate memory/);
    assert.equal((await s.call<{ steps: unknown[] }>('finetune.steps', { jobId: q.job.id })).steps.length, 1);

    resumeJob(lib, q.job.id);
    const ran = await runQueued(lib, jobExecutors(s.ctx));
    assert.equal(getJob(lib, q.job.id).status, 'done');
    assert.ok(
      ran.filter((j) => j.kind === 'finetune.eval').every((j) => j.status === 'done'),
      JSON.stringify(ran.map((j) => [j.kind, j.status, j.errorMessage])),
    );
    const steps = (
      await s.call<{ steps: Array<{ step: number; loss: number }> }>('finetune.steps', { jobId: q.job.id })
    ).steps;
    assert.deepEqual(
      steps.map((x) => x.step),
      [1, 2, 3],
    );
    assert.ok(steps.every((x) => Number.isFinite(x.loss) && x.loss > 0));

    const { adapters } = await s.call<{
      adapters: Array<{
        id: number;
        sha256: string;
        datasetLabel: string;
        baseModel: string;
        settings: { rank: number };
      }>;
    }>('finetune.adapters', {});
    assert.equal(adapters.length, 1);
    const a = adapters[0]!;
    assert.equal(a.datasetLabel, 'mine v1');
    assert.equal(a.baseModel, model);
    assert.equal(a.settings.rank, 2);

    // Before/after: base and adapter metrics per held-out task, side by side.
    const { evals } = await s.call<{
      evals: Array<{ adapterId: number | null; task: string; metrics: Record<string, number | null> }>;
    }>('finetune.evals', { datasetId: ds.id });
    const tasks = [...new Set(evals.map((e) => e.task))];
    assert.ok(tasks.length >= 1);
    for (const t of tasks) {
      assert.deepEqual(
        evals
          .filter((e) => e.task === t)
          .map((e) => e.adapterId)
          .sort(),
        [a.id, null].sort(),
        t,
      );
    }
    for (const e of evals.filter((x) => x.task === 'count'))
      assert.ok('closeAccuracy' in e.metrics && 'pointF1' in e.metrics);
    for (const e of evals.filter((x) => x.task === 'track')) assert.ok('hota' in e.metrics);

    // The same settings uninterrupted end with the same adapter bytes.
    const q2 = queueTraining(lib, {
      datasetId: ds.id,
      baseModel: model,
      adaptersDir,
      settings: SETTINGS,
      evalMaxNewTokens: 4,
    });
    await runJob(lib, q2.job.id, jobExecutors(s.ctx));
    const again = (
      await s.call<{ adapters: Array<{ id: number; sha256: string; jobId: number }> }>('finetune.adapters', {})
    ).adapters.find((x) => x.jobId === q2.job.id)!;
    assert.equal(again.sha256, a.sha256);

    // Activation runs the adapter as a branch beside its base; a count run records it.
    await s.call('finetune.adapter.activate', { adapterId: a.id });
    assert.equal(configuredModelDir(s.ctx), model);
    assert.equal(configuredAdapter(s.ctx)?.sha256, a.sha256);
    const run = queueAnalyticsJob(lib, 'count', {
      query: 'person',
      scope: { recordingId: 1, start: 0, end: 2 },
      settings: { ...COUNT_SETTINGS, maxNewTokens: 4 },
    });
    await runJob(lib, run.job.id, jobExecutors(s.ctx));
    const rm = await s.call<{ runs: Array<{ runId: number; adapterId: number | null; modelId: string | null }> }>(
      'finetune.runModels',
      {},
    );
    assert.equal(rm.runs.find((r) => r.runId === run.runs[0]!.id)?.adapterId, a.id);
    assert.equal(rm.runs.find((r) => r.runId === s.countRun)?.adapterId, null);
    // Another host opening the library runs its active adapter too.
    const other = createCoreContext({ host: 'cli', env: s.ctx.env });
    await configureModel(other, model, 'cpu');
    const opened = await createDispatcher(other).dispatch('library.open', { path: lib.path, create: false });
    assert.ok(opened.ok);
    assert.equal(configuredAdapter(other)?.sha256, a.sha256);
    currentLibrary(other).close();
    const del = await s.dispatch('finetune.adapter.delete', { adapterId: a.id });
    assert.ok(!del.ok && del.error.code === 'JOB_CONFLICT');
    await s.call('finetune.adapter.activate', { adapterId: null });
    assert.equal(configuredModelDir(s.ctx), model);
    assert.equal(configuredAdapter(s.ctx), null);
    const exp = await s.call<{ files: string[] }>('finetune.adapter.export', {
      adapterId: a.id,
      path: join(s.dir, 'peft'),
    });
    assert.deepEqual(exp.files, ['adapter_model.safetensors', 'adapter_config.json', 'molmoscope-provenance.json']);
    await closeModel(s.ctx);
  },
);

test(
  'training job control: pause at a step keeps the steps so far, resume continues, cancel is final',
  { timeout: 10 * 60_000 },
  async () => {
    const s = await seedLibrary('ft-control');
    const model = tinyCheckpoint({ seed: 1 });
    await s.call('analytics.correct', { runId: s.trackRun, edit: { kind: 'rename', trackId: 1, label: 'red car' } });
    const ds = (await s.call<{ dataset: { id: number } }>('finetune.dataset.build', { name: 'ctl', heldoutShare: 0 }))
      .dataset;
    const q = queueTraining(s.lib, {
      datasetId: ds.id,
      baseModel: model,
      adaptersDir: join(s.dir, 'adapters'),
      settings: { ...SETTINGS, steps: 40 },
    });
    // The user pauses from another process: the runner sees the row's control flag within a quarter of a second.
    const executors = jobExecutors(s.ctx);
    let asked = false;
    const run = runJob(s.lib, q.job.id, executors, {
      throttleMs: 0,
      emit: (name, p) => {
        if (name === 'job.progress' && (p as { done: number }).done >= 2 && !asked)
          ((asked = true), pauseJob(s.lib, q.job.id));
      },
    });
    const paused = await run;
    assert.equal(paused.status, 'paused');
    assert.equal(paused.errorCode, null);
    const stepsAtPause = (
      await s.call<{ steps: Array<{ step: number }> }>('finetune.steps', { jobId: q.job.id })
    ).steps.map((x) => x.step);
    assert.ok(stepsAtPause.length >= 2 && stepsAtPause.length < 40, `${stepsAtPause}`);
    resumeJob(s.lib, q.job.id);
    asked = false;
    const again = runJob(s.lib, q.job.id, executors, {
      throttleMs: 0,
      emit: (name, p) => {
        if (name === 'job.progress' && (p as { done: number }).done > stepsAtPause.length && !asked)
          ((asked = true), cancelJob(s.lib, q.job.id));
      },
    });
    assert.equal((await again).status, 'cancelled');
    const steps = (await s.call<{ steps: Array<{ step: number }> }>('finetune.steps', { jobId: q.job.id })).steps.map(
      (x) => x.step,
    );
    assert.deepEqual(
      steps,
      Array.from({ length: steps.length }, (_, i) => i + 1),
      'resumed where it paused, each step once',
    );
    assert.equal((await s.call<{ adapters: unknown[] }>('finetune.adapters', {})).adapters.length, 0);
    const r = await s.dispatch('jobs.resume', { id: q.job.id });
    assert.ok(!r.ok && r.error.code === 'JOB_CONFLICT');
  },
);
