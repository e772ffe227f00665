// `molmoscope finetune dataset|answer|review|train|eval|evals|adapters …`: the Fine-tune page's operations from the
// shell, each the same contract op the page calls (--json prints its answer); train and eval run in the foreground.
import { resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { OpName } from '../../api/contract.js';
import { createDispatcher } from '../../core/handlers/index.js';
import { currentLibrary } from '../../core/handlers/library.js';
import { jobExecutors } from '../../core/job-host.js';
import {
  assertNoRunningJob,
  getJob,
  recoverStaleJobs,
  resumeJob,
  runJob,
  runQueued,
  type Job,
} from '../../core/library/jobs.js';
import { closeModel, configureModel } from '../../core/molmo2/model-host.js';
import { createCoreContext } from '../../core/platform/create-context.js';
import { EVAL_JOB_KIND } from '../../core/finetune/eval-job.js';
import { TRAIN_JOB_KIND } from '../../core/finetune/train-job.js';
import { numberFlag, parseFlags, printJson, type CliIO, type Command } from '../command.js';
import type { RunComparisonDto } from '../../api/ops/analytics.js';

const usage = `Usage (every command takes --library DB and --json):
  molmoscope finetune answer add --recording ID --start S --end S (--question Q | --caption CAPTION_ID) --answer TEXT
  molmoscope finetune answer list [--recording ID]        molmoscope finetune answer delete ID
  molmoscope finetune review RUN INSTANCE accept|reject|clear
  molmoscope finetune missed RUN [list] | add T X Y | remove POINT
      (an instance the count missed: T seconds, moved to the nearest sampled frame; X Y on Molmo2's 0–1000 scale)
  molmoscope finetune dataset build --name NAME [--heldout 0.2] [--seed N]
  molmoscope finetune dataset list | examples ID [--split train|heldout] | include|exclude EXAMPLE | delete ID
  molmoscope finetune dataset export ID --out FILE.jsonl [--split train|heldout]
  molmoscope finetune train DATASET [--model DIR] [--ep cpu|…] [--name NAME] [--steps N] [--lr X] [--rank R] [--alpha A]
                   [--accumulate N] [--warmup N] [--seed S] [--checkpoint-every N] [--eval-max-new-tokens N] [--estimate]
  molmoscope finetune train --resume JOB [--model DIR]
  molmoscope finetune eval DATASET [--adapter ID] [--max-new-tokens N] [--model DIR]
  molmoscope finetune evals DATASET                       (before/after: base and adapters per task)
  molmoscope finetune adapters list | activate ID | deactivate | rename ID NAME | delete ID | export ID --out DIR
  molmoscope finetune rerun RUN [--base | --adapter ID]   (a count/track run again on the other model, run here)
  molmoscope finetune compare RUN_A RUN_B                 (two runs of one span side by side: totals, matches)
      Datasets come from verdicts on counted instances, corrections of track runs and typed answers on clips; the
      held-out split is by recording. train queues the job (refused with the figures when the memory estimate does not
      fit; --estimate only prints it), runs it here with NDJSON "step" events under --json, then the before/after
      evaluation on the held-out split. A killed or paused run continues with --resume JOB from its last checkpoint.
      The base model: --model DIR, $MOLMOSCOPE_MODEL or the default model.
`;

const FLAGS = {
  library: { type: 'string' },
  json: { type: 'boolean' },
  recording: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  question: { type: 'string' },
  caption: { type: 'string' },
  answer: { type: 'string' },
  name: { type: 'string' },
  heldout: { type: 'string' },
  seed: { type: 'string' },
  split: { type: 'string' },
  out: { type: 'string' },
  model: { type: 'string' },
  ep: { type: 'string' },
  steps: { type: 'string' },
  lr: { type: 'string' },
  rank: { type: 'string' },
  alpha: { type: 'string' },
  accumulate: { type: 'string' },
  warmup: { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'eval-max-new-tokens': { type: 'string' },
  estimate: { type: 'boolean' },
  resume: { type: 'string' },
  adapter: { type: 'string' },
  'max-new-tokens': { type: 'string' },
  base: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseFlags<typeof FLAGS>>['values'];

const id = (what: string, v: string | undefined) => {
  if (v === undefined) throw new AppError('INVALID_INPUT', `${what} is required\n${usage}`);
  return numberFlag(what, v, { integer: true, min: 1 })!;
};
const num = (v: Values, k: keyof Values, integer = false) =>
  v[k] !== undefined ? numberFlag(String(k), v[k] as string, { integer }) : undefined;
const defined = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;

function settingsOf(v: Values) {
  return defined({
    steps: num(v, 'steps', true),
    lr: num(v, 'lr'),
    rank: num(v, 'rank', true),
    alpha: num(v, 'alpha'),
    accumulate: num(v, 'accumulate', true),
    warmup: num(v, 'warmup', true),
    seed: num(v, 'seed', true),
    checkpointEvery: num(v, 'checkpoint-every', true),
  });
}

/** The op and payload of a command that is one contract call. */
function plainOp(group: string, args: string[], v: Values, io: CliIO): [OpName, unknown] | null {
  const [a, b, c] = args;
  switch (group === 'evals' || group === 'compare' ? group : `${group} ${a ?? ''}`.trim()) {
    case 'answer add':
      return [
        'finetune.answer.add',
        defined({
          recordingId: id('--recording', v.recording),
          start: num(v, 'start'),
          end: num(v, 'end'),
          task: v.caption ? 'caption' : 'qa',
          question: v.question,
          answer: v.answer,
          captionId: v.caption ? id('--caption', v.caption) : undefined,
        }),
      ];
    case 'answer list':
      return [
        'finetune.answer.list',
        defined({ recordingId: v.recording ? id('--recording', v.recording) : undefined }),
      ];
    case 'answer delete':
      return ['finetune.answer.delete', { id: id('ID', b) }];
    case 'dataset build':
      return [
        'finetune.dataset.build',
        defined({ name: v.name, heldoutShare: num(v, 'heldout'), seed: num(v, 'seed', true) }),
      ];
    case 'dataset list':
      return ['finetune.datasets', {}];
    case 'dataset examples':
      return ['finetune.dataset.examples', defined({ datasetId: id('ID', b), split: v.split, limit: 500 })];
    case 'dataset include':
    case 'dataset exclude':
      return ['finetune.dataset.include', { exampleId: id('EXAMPLE', b), included: a === 'include' }];
    case 'dataset delete':
      return ['finetune.dataset.delete', { datasetId: id('ID', b) }];
    case 'dataset export':
      return [
        'finetune.dataset.export',
        defined({ datasetId: id('ID', b), path: v.out ? resolve(io.cwd, v.out) : undefined, split: v.split }),
      ];
    case 'evals':
      return ['finetune.evals', { datasetId: id('DATASET', a) }];
    case 'compare':
      return ['analytics.compare', { a: id('RUN_A', a), b: id('RUN_B', b) }];
    case 'adapters list':
    case 'adapters':
      return ['finetune.adapters', {}];
    case 'adapters activate':
      return ['finetune.adapter.activate', { adapterId: id('ID', b) }];
    case 'adapters deactivate':
      return ['finetune.adapter.activate', { adapterId: null }];
    case 'adapters rename':
      return ['finetune.adapter.rename', { adapterId: id('ID', b), name: c }];
    case 'adapters delete':
      return ['finetune.adapter.delete', { adapterId: id('ID', b) }];
    case 'adapters export':
      return [
        'finetune.adapter.export',
        defined({ adapterId: id('ID', b), path: v.out ? resolve(io.cwd, v.out) : undefined }),
      ];
    default:
      return null;
  }
}

/** Runs a queued train or eval job here, then the evals it queued; prints each job's end. */
async function runForeground(
  ctx: ReturnType<typeof createCoreContext>,
  first: Job,
  json: boolean | undefined,
  io: CliIO,
  signal: AbortSignal,
): Promise<number> {
  const lib = currentLibrary(ctx);
  const executors = jobExecutors(ctx);
  const done = [await runJob(lib, first.id, executors, { signal, emit: ctx.emit })];
  if (done[0]!.status === 'done' && first.kind === TRAIN_JOB_KIND)
    done.push(...(await runQueued(lib, { [EVAL_JOB_KIND]: executors[EVAL_JOB_KIND]! }, { signal, emit: ctx.emit })));
  for (const j of done) {
    if (json) io.stdout.write(JSON.stringify({ event: 'job', job: j }) + '\n');
    else
      io.stdout.write(
        `job #${j.id} ${j.kind} ${j.status}${j.errorCode ? ` (${j.errorCode}: ${j.errorMessage})` : ''}\n`,
      );
  }
  return done.every((j) => j.status === 'done') ? 0 : 1;
}

function progressSink(io: CliIO, json: boolean | undefined) {
  return (name: string, p: unknown) => {
    if (name !== 'finetune.step' && name !== 'job.progress') return;
    if (json)
      io.stdout.write(
        JSON.stringify({ event: name === 'finetune.step' ? 'step' : 'progress', ...(p as object) }) + '\n',
      );
    else if (name === 'finetune.step') {
      const s = p as { step: number; steps: number; loss: number; tokensPerSecond: number; etaSeconds: number };
      io.stderr.write(
        `step ${s.step}/${s.steps} loss ${s.loss.toFixed(4)} ${s.tokensPerSecond.toFixed(0)} tok/s eta ${s.etaSeconds.toFixed(0)} s\n`,
      );
    }
  };
}

export const finetuneCommand: Command = {
  name: 'finetune',
  summary: 'Fine-tune Molmo2 on corrections from the library: datasets, training, before/after eval, adapters.',
  usage,
  async run(argv, io, signal) {
    const [group, ...rest] = argv;
    const { values, positionals } = parseFlags(rest, FLAGS);
    const ctx = createCoreContext({ host: 'cli', env: io.env, emit: progressSink(io, values.json) as never });
    const d = createDispatcher(ctx);
    const call = async (op: OpName, payload: unknown) => {
      const r = await d.dispatch(op, payload, signal);
      if (!r.ok) throw new AppError(r.error.code, r.error.message, r.error.details);
      return r.value;
    };
    const lib = values.library ?? io.env.MOLMOSCOPE_LIBRARY;
    if (!group || !lib)
      throw new AppError('INVALID_INPUT', `${!group ? 'a subcommand' : '--library DB'} is required\n${usage}`);
    await call('library.open', { path: resolve(io.cwd, lib), create: false });
    try {
      if (values.model) await configureModel(ctx, resolve(io.cwd, values.model), values.ep);
      const plain =
        group === 'review'
          ? reviewOp(positionals)
          : group === 'missed'
            ? missedOp(positionals)
            : plainOp(group, positionals, values, io);
      if (plain) {
        const out = await call(plain[0], plain[1]);
        if (values.json) printJson(io.stdout, out);
        else io.stdout.write(human(plain[0], out));
        return 0;
      }
      if (group === 'train' || group === 'eval' || group === 'rerun')
        return await jobCommand(group, positionals, values, { ctx, call, io, signal });
      throw new AppError('INVALID_INPUT', `unknown finetune command "${[group, ...positionals].join(' ')}"\n${usage}`);
    } finally {
      await closeModel(ctx);
      currentLibrary(ctx).close();
    }
  },
};

function reviewOp(p: string[]): [OpName, unknown] {
  const verdict = p[2] === 'clear' ? null : p[2];
  if (verdict !== null && verdict !== 'accept' && verdict !== 'reject')
    throw new AppError('INVALID_INPUT', `review RUN INSTANCE accept|reject|clear\n${usage}`);
  return ['finetune.review', { runId: id('RUN', p[0]), instanceId: id('INSTANCE', p[1]), verdict }];
}

/** `missed RUN [list] | add T X Y | remove POINT`: the points added to a count run where the model missed one. */
function missedOp(p: string[]): [OpName, unknown] {
  const [run, verb = 'list', ...rest] = p;
  const runId = id('RUN', run);
  const n = (what: string, v: string | undefined) => {
    if (v === undefined) throw new AppError('INVALID_INPUT', `${what} is required\n${usage}`);
    return numberFlag(what, v);
  };
  if (verb === 'list' && rest.length === 0) return ['finetune.missed', { runId }];
  if (verb === 'add' && rest.length === 3)
    return ['finetune.missed.add', { runId, t: n('T', rest[0]), mx: n('X', rest[1]), my: n('Y', rest[2]) }];
  if (verb === 'remove' && rest.length === 1)
    return ['finetune.missed.remove', { runId, pointId: id('POINT', rest[0]) }];
  throw new AppError('INVALID_INPUT', `missed RUN [list] | add T X Y | remove POINT\n${usage}`);
}

/** The added points of a run, one line each (and where an added one landed on the sample grid). */
function humanMissed(o: Record<string, unknown>): string {
  const pts = o.points as Array<{ id: number; t: number; mx: number; my: number }>;
  const p = o.point as { id: number; t: number } | undefined;
  const head =
    p === undefined
      ? ''
      : `added point #${p.id} at ${p.t} s${p.t !== o.requestedT ? ` (the sampled frame nearest ${String(o.requestedT)} s)` : ''}\n`;
  return head + (pts.map((q) => `#${q.id} ${q.t} s (${q.mx}, ${q.my})\n`).join('') || 'no added points\n');
}

interface JobDeps {
  ctx: ReturnType<typeof createCoreContext>;
  call: (op: OpName, p: unknown) => Promise<unknown>;
  io: CliIO;
  signal: AbortSignal;
}

async function jobCommand(
  group: 'train' | 'eval' | 'rerun',
  p: string[],
  v: Values,
  { ctx, call, io, signal }: JobDeps,
): Promise<number> {
  const lib = currentLibrary(ctx);
  await lib.writable();
  assertNoRunningJob(lib);
  if (v.resume !== undefined) {
    recoverStaleJobs(lib);
    const job = getJob(lib, id('--resume', v.resume));
    if (job.kind !== TRAIN_JOB_KIND && job.kind !== EVAL_JOB_KIND)
      throw new AppError('INVALID_INPUT', `job ${job.id} is a ${job.kind} job`);
    return runForeground(ctx, job.status === 'queued' ? job : resumeJob(lib, job.id), v.json, io, signal);
  }
  if (group === 'rerun') {
    const { job } = (await call(
      'analytics.rerun',
      defined({
        runId: id('RUN', p[0]),
        model: v.base ? 'base' : v.adapter !== undefined ? 'adapter' : undefined,
        adapterId: v.adapter !== undefined ? id('--adapter', v.adapter) : undefined,
      }),
    )) as { job: Job };
    return runForeground(ctx, job, v.json, io, signal);
  }
  const datasetId = id('DATASET', p[0]);
  if (group === 'eval') {
    const adapterId = v.adapter === undefined || v.adapter === 'base' ? null : id('--adapter', v.adapter);
    const { job } = (await call(
      'finetune.eval',
      defined({ datasetId, adapterId, maxNewTokens: num(v, 'max-new-tokens', true) }),
    )) as { job: Job };
    return runForeground(ctx, job, v.json, io, signal);
  }
  const settings = settingsOf(v);
  if (v.estimate) {
    const e = await call('finetune.estimate', { datasetId, settings });
    if (v.json) printJson(io.stdout, e);
    else io.stdout.write(human('finetune.estimate', e));
    return 0;
  }
  const { job } = (await call(
    'finetune.train',
    defined({ datasetId, name: v.name, settings, evalMaxNewTokens: num(v, 'eval-max-new-tokens', true) }),
  )) as { job: Job };
  return runForeground(ctx, job, v.json, io, signal);
}

const GiB = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GiB`;

/** A short human rendering of an op's answer (the JSON has everything). */
function human(op: OpName, out: unknown): string {
  const o = out as Record<string, unknown>;
  switch (op) {
    case 'finetune.missed':
    case 'finetune.missed.add':
    case 'finetune.missed.remove':
      return humanMissed(o);
    case 'finetune.datasets':
      return (
        (
          o.datasets as Array<{
            id: number;
            name: string;
            version: number;
            included: number;
            examples: number;
            frozen: boolean;
          }>
        )
          .map(
            (x) =>
              `#${x.id} ${x.name} v${x.version}: ${x.included}/${x.examples} included${x.frozen ? ' (frozen)' : ''}\n`,
          )
          .join('') || 'no datasets\n'
      );
    case 'finetune.dataset.build': {
      const ds = o.dataset as {
        id: number;
        name: string;
        version: number;
        perTask: Record<string, { train: number; heldout: number }>;
      };
      return `dataset #${ds.id} ${ds.name} v${ds.version}: ${Object.entries(ds.perTask)
        .filter(([, c]) => c.train + c.heldout > 0)
        .map(([t, c]) => `${t} ${c.train}+${c.heldout}`)
        .join(', ')} (train+held-out)\n`;
    }
    case 'finetune.evals':
      return (
        (
          o.evals as Array<{
            task: string;
            adapterId: number | null;
            examples: number;
            metrics: Record<string, number | null>;
          }>
        )
          .map(
            (e) =>
              `${e.task.padEnd(8)} ${e.adapterId === null ? 'base      ' : `adapter ${e.adapterId} `} n=${e.examples} ${Object.entries(
                e.metrics,
              )
                .map(([k, x]) => `${k} ${x === null ? '–' : x.toFixed(3)}`)
                .join('  ')}\n`,
          )
          .join('') || 'no evaluations yet\n'
      );
    case 'finetune.adapters':
      return (
        (o.adapters as Array<{ id: number; name: string; active: boolean; datasetLabel: string; baseModel: string }>)
          .map((a) => `#${a.id} ${a.name}${a.active ? ' (active)' : ''}  ${a.datasetLabel}  base ${a.baseModel}\n`)
          .join('') || 'no adapters\n'
      );
    case 'finetune.estimate': {
      const m = o.memory as { total: number; tokens: number };
      return `memory about ${GiB(m.total)} of ${GiB(o.budgetBytes as number)} (${o.fits ? 'fits' : 'does not fit'}), ${m.tokens} tokens per example at most, ${o.examples} examples, time ${o.seconds === null ? 'unknown until a first run' : `about ${Math.round(o.seconds as number)} s`}\n`;
    }
    case 'analytics.compare':
      return comparisonText(out as RunComparisonDto);
    default:
      return JSON.stringify(out, null, 2) + '\n';
  }
}

/** Two runs side by side in a few lines: each run's model and total, what matched, what only one found. */
function comparisonText(c: RunComparisonDto): string {
  const side = (label: string, s: RunComparisonDto['a']) =>
    `${label}: run #${s.run.id} ${s.run.adapter ? `adapter "${s.run.adapter.name}"` : 'base model'}, ${s.total} ${c.kind === 'count' ? 'counted' : 'tracks'}\n`;
  const items = (xs: RunComparisonDto['onlyA']) => xs.map((i) => `#${i.id}@${i.t.toFixed(1)}s`).join(' ') || '–';
  return (
    side('A', c.a) +
    side('B', c.b) +
    `matched ${c.matched.length}: ${c.matched.map((m) => `A#${m.a.id}↔B#${m.b.id}`).join(' ') || '–'}\n` +
    `only A: ${items(c.onlyA)}\nonly B: ${items(c.onlyB)}\n` +
    `B against A: ${Object.entries(c.agreement)
      .map(([k, v]) => `${k} ${v.toFixed(3)}`)
      .join('  ')}\n`
  );
}
