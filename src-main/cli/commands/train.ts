// `molmoscope train`: LoRA fine-tuning of a Molmo2 checkpoint on a JSONL file of examples (docs/finetune.md),
// NDJSON progress with --json, a PEFT-layout adapter in --out, resumable after a kill (same command again).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import { openCheckpoint } from '../../core/molmo2/weights.js';
import { createCoreContext } from '../../core/platform/create-context.js';
import { modelCacheDir } from '../../core/platform/model-cache.js';
import { parseDataset, type BadLine } from '../../core/finetune/dataset.js';
import { prepareExamples } from '../../core/finetune/prepare.js';
import { TrainSession, type TrainExample } from '../../core/finetune/train-session.js';
import { checkConfig, train, writeJsonAtomic, type TrainConfig } from '../../core/finetune/trainer.js';
import { saveAdapter } from '../../core/finetune/adapter.js';
import { numberFlag, parseFlags, type CliIO, type Command } from '../command.js';

const usage = `Usage:
  molmoscope train --base MODEL --data FILE.jsonl --out DIR [--steps N] [--lr X] [--rank R] [--alpha A]
                   [--seed S] [--accumulate N] [--warmup N] [--checkpoint-every N] [--skip-bad] [--json]
      LoRA fine-tuning of the decoder (att_proj, attn_out, ff_proj, ff_out of every block) on one example per line
      (format: docs/finetune.md). Defaults: --steps 100, --lr 1e-4, --rank 16, --alpha 32, --seed 0,
      --accumulate 1, --warmup min(20, steps/10). AdamW (0.9, 0.95, eps 1e-6), clip 1.0, cosine to 10 %.
      A file with bad lines is refused (each reported with its line number and reason) unless --skip-bad.
      Writes DIR/adapter_model.safetensors + DIR/adapter_config.json (PEFT layout) and DIR/train-state.safetensors;
      running the same command again after an interruption resumes from the last checkpoint.
      --json prints NDJSON events: {"event":"bad-line"|"prepare"|"step"|"done", …}.
`;

function emit(io: CliIO, json: boolean | undefined, event: Record<string, unknown>, human: string): void {
  if (json) io.stdout.write(`${JSON.stringify(event)}\n`);
  else io.stderr.write(`${human}\n`);
}

function readConfig(values: Record<string, string | boolean | undefined>): TrainConfig {
  const steps = numberFlag('steps', values.steps as string | undefined, { integer: true, min: 1 }) ?? 100;
  return {
    spec: {
      rank: numberFlag('rank', values.rank as string | undefined, { integer: true, min: 1 }) ?? 16,
      alpha: numberFlag('alpha', values.alpha as string | undefined, { min: 0 }) ?? 32,
    },
    steps,
    lr: numberFlag('lr', values.lr as string | undefined, { min: 0 }) ?? 1e-4,
    accumulate: numberFlag('accumulate', values.accumulate as string | undefined, { integer: true, min: 1 }) ?? 1,
    warmupSteps:
      numberFlag('warmup', values.warmup as string | undefined, { integer: true, min: 0 }) ??
      Math.min(20, Math.floor(steps / 10)),
    seed: numberFlag('seed', values.seed as string | undefined, { integer: true, min: 0 }) ?? 0,
    clip: 1,
    checkpointEvery:
      numberFlag('checkpoint-every', values['checkpoint-every'] as string | undefined, { integer: true, min: 1 }) ?? 10,
  };
}

async function prepare(
  base: string,
  lines: ReturnType<typeof parseDataset>['lines'],
  io: CliIO,
  opts: { json?: boolean; skipBad?: boolean },
  signal: AbortSignal,
): Promise<{ examples: TrainExample[]; bad: BadLine[] }> {
  const { media, dispose } = createCoreContext({ host: 'cli', env: io.env });
  try {
    return await prepareExamples(lines, {
      base,
      cacheDir: modelCacheDir(io.env, base),
      media,
      skipBad: opts.skipBad ?? false,
      signal,
      onPrepared: (p) =>
        emit(
          io,
          opts.json,
          { event: 'prepare', ...p },
          `line ${p.line}: ${p.tokens} tokens${p.featuresCached ? ' (cached features)' : ''}`,
        ),
      onBad: (b) => reportBad(io, opts.json, [b]),
    });
  } finally {
    dispose();
  }
}

function reportBad(io: CliIO, json: boolean | undefined, bad: BadLine[]): void {
  for (const b of bad)
    emit(io, json, { event: 'bad-line', line: b.line, reason: b.reason }, `line ${b.line}: ${b.reason}`);
}

function parseTrainFlags(argv: string[]) {
  return parseFlags(
    argv,
    {
      base: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      steps: { type: 'string' },
      lr: { type: 'string' },
      rank: { type: 'string' },
      alpha: { type: 'string' },
      seed: { type: 'string' },
      accumulate: { type: 'string' },
      warmup: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      'skip-bad': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    false,
  ).values;
}

/** Reads and parses the JSONL file; bad lines are reported and refused unless skipBad, and some line must be usable. */
function readDataset(dataFile: string, io: CliIO, opts: { json?: boolean; skipBad?: boolean }) {
  let content: string;
  try {
    content = readFileSync(dataFile, 'utf8');
  } catch {
    throw new AppError('NOT_FOUND', `cannot read ${dataFile}`);
  }
  const { lines, bad } = parseDataset(content, dataFile);
  reportBad(io, opts.json, bad);
  if (bad.length > 0 && !opts.skipBad)
    throw new AppError('INVALID_INPUT', `${bad.length} bad line(s) in ${dataFile}; fix them or pass --skip-bad`, {
      bad,
    });
  if (lines.length === 0) throw new AppError('INVALID_INPUT', `${dataFile} has no usable examples`);
  return { content, lines, bad };
}

interface TrainJob {
  base: string;
  dataFile: string;
  out: string;
  config: TrainConfig;
  examples: TrainExample[];
  skipped: BadLine[];
  runKey: string;
}

/** Trains on the prepared examples, then writes the adapter and molmoscope-train.json into the out folder. */
async function trainAndSave(io: CliIO, json: boolean | undefined, job: TrainJob, signal: AbortSignal): Promise<void> {
  const { base, dataFile, out, config, examples } = job;
  const ck = openCheckpoint(base);
  const session = await TrainSession.open(ck, {
    spec: config.spec,
    cacheDir: modelCacheDir(io.env, base),
    threads: 1,
  });
  try {
    const r = await train({
      session,
      examples,
      config,
      stateDir: out,
      runKey: job.runKey,
      signal,
      onStep: (s) =>
        emit(
          io,
          json,
          { event: 'step', ...s },
          `step ${s.step}/${s.steps} loss ${s.loss.toFixed(4)} lr ${s.lr.toExponential(2)} ${s.tokensPerSecond.toFixed(0)} tok/s eta ${s.etaSeconds.toFixed(0)} s`,
        ),
    });
    saveAdapter(out, ck, config.spec, r.params, base);
    writeJsonAtomic(join(out, 'molmoscope-train.json'), {
      base,
      data: dataFile,
      config,
      examples: examples.length,
      skipped: job.skipped,
    });
    emit(
      io,
      json,
      {
        event: 'done',
        adapter: out,
        steps: config.steps,
        examples: examples.length,
        lastLoss: r.losses.at(-1) ?? null,
      },
      `adapter written to ${out}`,
    );
  } finally {
    await session.close();
  }
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'LoRA fine-tune Molmo2 on a JSONL file of examples (writes a PEFT adapter).',
  usage,
  async run(argv, io, signal) {
    const values = parseTrainFlags(argv);
    if (!values.base || !values.data || !values.out)
      throw new AppError('INVALID_INPUT', `--base, --data and --out are required\n${usage}`);
    const config = readConfig(values);
    checkConfig(config);
    const base = resolve(io.cwd, values.base);
    const dataFile = resolve(io.cwd, values.data);
    const out = resolve(io.cwd, values.out);
    const opts = { json: values.json, skipBad: values['skip-bad'] };
    const { content, lines, bad } = readDataset(dataFile, io, opts);
    const prepared = await prepare(base, lines, io, opts, signal);
    const examples = prepared.examples;
    if (examples.length === 0) throw new AppError('INVALID_INPUT', `${dataFile} has no usable examples`);
    const runKey = createHash('sha256').update(content).update(JSON.stringify(config)).update(base).digest('hex');
    const skipped = [...bad, ...prepared.bad];
    await trainAndSave(io, values.json, { base, dataFile, out, config, examples, skipped, runKey }, signal);
    return 0;
  },
};
