// `molmoscope model …`: get a Molmo2 checkpoint (download over the Hub protocol, or add a folder in place), list,
// choose the default, remove; and make-tiny, the test-checkpoint generator.
import { resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import { makeTinyCheckpoint, TINY_VARIANTS, type TinyVariant } from '../../../models/tiny/make-tiny.js';
import {
  CATALOGUE,
  addFolder,
  downloadModel,
  listModels,
  removeModel,
  unfinishedDownloads,
  useModel,
  type DownloadProgress,
  type InstalledModel,
} from '../../core/models/index.js';
import { makePresetCheckpoint, PRESETS, type Preset } from '../../../models/tiny/presets.js';
import { resolveAppPaths } from '../../core/platform/paths.js';
import { numberFlag, onePositional, parseFlags, printJson, type CliIO, type Command } from '../command.js';

const usage = `Usage:
  molmoscope model download <catalogue-id|owner/name> [--revision REV] [--json]
      Download a Molmo2 checkpoint from the Hugging Face Hub (HF_ENDPOINT, default https://huggingface.co; HF_TOKEN
      for gated or private repos) into the models directory. Catalogue ids: ${CATALOGUE.filter((e) => e.runnable)
        .map((e) => e.id)
        .join(', ')};
      any repo whose config.json is a Molmo2 config works. Every file is checked (sha256) before it is kept; run the
      same command again after an interruption to resume. --json prints NDJSON progress, then the result.
  molmoscope model list [--json]          Usable models (complete and verified), the default marked.
  molmoscope model catalogue [--json]     The models on offer, with sizes.
  molmoscope model use <id>               Make a model the default for ask, index, count, track and serve.
  molmoscope model remove <id>            Forget a model: a download's files are deleted, an added folder is kept.
  molmoscope model add <dir> [--id ID]    Use a checkpoint folder (or a Hugging Face cache snapshot) in place;
                                          it is validated and never modified.
  molmoscope model make-tiny <dir> [--variant qwen3|o-7b] [--seed N] [--dtype float32|bfloat16|float16] [--shards N] [--json]
      Write a small Molmo2-architecture checkpoint (Hugging Face layout, random weights,
      the real Molmo2 tokenizer and templates) for tests and benchmarks. --variant o-7b: Molmo2-O-7B's
      OLMo3 decoder (post-norm, OLMo QK-norm, YaRN layers), vocabulary size and token ids, with a
      stand-in tokenizer (Olmo-3's own is not available offline).
  molmoscope model make-tiny <dir> --preset molmo2-4b|molmo2-8b|molmo2-o-7b [--seed N] [--json]
      Write a checkpoint with the released dimensions and shard layout (fp32 shards, random weights),
      streamed tensor by tensor: 4B is 19.4 GB, 8B about 35 GB, O-7B about 31 GB of disk.
Models live in $MOLMOSCOPE_HOME/models when MOLMOSCOPE_HOME is set (see molmoscope info).
`;

const GB = 1e9;
const gb = (n: number) => `${(n / GB).toFixed(2)} GB`;

function eta(s: number | null): string {
  if (s === null) return '?';
  if (s < 90) return `${Math.ceil(s)} s`;
  return s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}

function progressPrinter(io: CliIO, json: boolean): (p: DownloadProgress) => void {
  if (json) return (p) => io.stdout.write(JSON.stringify({ event: 'progress', ...p }) + '\n');
  // A terminal gets one line rewritten in place; a log file one line every 10 s.
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  let last = -Infinity;
  return (p) => {
    if (p.phase !== 'fetching') return void io.stderr.write(`${tty ? '\n' : ''}${p.phase} ${p.repo}…\n`);
    if (!tty && Date.now() - last < 10_000 && p.doneBytes < p.totalBytes) return;
    last = Date.now();
    const line = `${gb(p.doneBytes)} / ${gb(p.totalBytes)}  ${(p.bytesPerSecond / 1e6).toFixed(1)} MB/s  ETA ${eta(p.etaSeconds)}  (${p.filesDone}/${p.filesTotal} files)`;
    io.stderr.write(tty ? `\r${line.padEnd(72)}` : `${line}\n`);
  };
}

function describe(m: InstalledModel & { isDefault?: boolean }): string {
  const where = m.source === 'hub' ? `${m.repo}@${m.commit?.slice(0, 12)}` : 'folder';
  return `${m.isDefault ? '*' : ' '} ${m.id.padEnd(28)} ${m.state.padEnd(6)} ${gb(m.bytes).padStart(10)}  ${where}  ${m.dir}`;
}

async function download(rest: string[], io: CliIO, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseFlags(rest, { revision: { type: 'string' }, json: { type: 'boolean' } });
  const id = onePositional(positionals, `download needs one <catalogue-id|owner/name>\n${usage}`);
  const modelsDir = resolveAppPaths(io.env).models;
  const r = await downloadModel(
    id,
    values.revision,
    { modelsDir, env: io.env, onProgress: progressPrinter(io, !!values.json) },
    signal,
  ).catch((err: unknown) => {
    if (err instanceof AppError && (err.code === 'CANCELLED' || err.code === 'HUB_UNREACHABLE')) {
      throw new AppError(
        err.code,
        `${err.message} Verified files and the partial file are kept: run the same command again to resume.`,
      );
    }
    throw err;
  });
  if (values.json)
    io.stdout.write(JSON.stringify({ event: 'result', alreadyInstalled: r.alreadyInstalled, model: r.model }) + '\n');
  else
    io.stdout.write(
      `${r.alreadyInstalled ? 'already installed' : 'downloaded'}: ${r.model.id} (${r.model.repo}@${r.model.commit}) in ${r.model.dir}\n`,
    );
  return 0;
}

function list(rest: string[], io: CliIO): number {
  const { values } = parseFlags(rest, { json: { type: 'boolean' } }, false);
  const modelsDir = resolveAppPaths(io.env).models;
  const models = listModels(modelsDir);
  if (values.json) return (printJson(io.stdout, models), 0);
  if (models.length === 0) io.stdout.write('no models yet: molmoscope model download molmo2-4b (or model add <dir>)\n');
  for (const m of models) io.stdout.write(describe(m) + '\n');
  for (const u of unfinishedDownloads(modelsDir))
    io.stdout.write(
      `unfinished download: ${u.id} (run molmoscope model download ${u.catalogueId ?? u.repo ?? u.id} to resume)\n`,
    );
  return 0;
}

function catalogue(rest: string[], io: CliIO): number {
  const { values } = parseFlags(rest, { json: { type: 'boolean' } }, false);
  if (values.json) printJson(io.stdout, CATALOGUE);
  else
    for (const e of CATALOGUE)
      io.stdout.write(
        `${e.id.padEnd(12)} ${e.repo.padEnd(22)} ${(e.parameters / 1e9).toFixed(2)}B params  ${gb(e.diskBytes)} disk  ${e.license}${e.runnable ? '' : '  (not runnable yet)'}\n`,
      );
  return 0;
}

function oneId(rest: string[], what: string): string {
  const { positionals } = parseFlags(rest, {});
  return onePositional(positionals, `${what} needs one <id> (see molmoscope model list)`);
}

function makeTiny(rest: string[], io: CliIO): number {
  const { values, positionals } = parseFlags(rest, {
    seed: { type: 'string' },
    dtype: { type: 'string' },
    shards: { type: 'string' },
    json: { type: 'boolean' },
    preset: { type: 'string' },
    variant: { type: 'string' },
  });
  const dir = resolve(io.cwd, onePositional(positionals, 'make-tiny needs exactly one <dir>'));
  if (values.preset !== undefined && values.variant !== undefined)
    throw new AppError('INVALID_INPUT', '--preset already names the model; --variant does not apply');
  if (values.preset !== undefined) return makePreset(dir, values, io);
  const variant = values.variant ?? 'qwen3';
  if (!(TINY_VARIANTS as readonly string[]).includes(variant))
    throw new AppError('INVALID_INPUT', `--variant must be one of ${TINY_VARIANTS.join(', ')}`);
  const dtype = values.dtype ?? 'float32';
  if (!['float32', 'bfloat16', 'float16'].includes(dtype))
    throw new AppError('INVALID_INPUT', `--dtype must be float32, bfloat16 or float16`);
  const files = makeTinyCheckpoint(dir, {
    seed: numberFlag('seed', values.seed, { integer: true, min: 0 }) ?? 0,
    dtype: dtype as 'float32',
    shards: numberFlag('shards', values.shards, { integer: true, min: 1 }) ?? 1,
    variant: variant as TinyVariant,
  });
  if (values.json) printJson(io.stdout, { dir, files });
  else io.stdout.write(`wrote a tiny Molmo2 checkpoint to ${dir} (${files.length} files)\n`);
  return 0;
}

export const modelCommand: Command = {
  name: 'model',
  summary: 'Get and choose Molmo2 checkpoints (download, add, list, use, remove; make-tiny for tests).',
  usage,
  async run(argv, io, signal) {
    const [sub, ...rest] = argv;
    const modelsDir = resolveAppPaths(io.env).models;
    switch (sub) {
      case 'download':
        return download(rest, io, signal);
      case 'list':
        return list(rest, io);
      case 'catalogue':
        return catalogue(rest, io);
      case 'use': {
        const m = useModel(modelsDir, oneId(rest, 'use'));
        io.stdout.write(`default model: ${m.id} (${m.dir})\n`);
        return 0;
      }
      case 'remove': {
        const m = removeModel(modelsDir, oneId(rest, 'remove'), io.env);
        io.stdout.write(`removed ${m.id}${m.source === 'folder' ? ` (the folder ${m.dir} was left as it is)` : ''}\n`);
        return 0;
      }
      case 'add': {
        const { values, positionals } = parseFlags(rest, { id: { type: 'string' }, json: { type: 'boolean' } });
        const m = await addFolder(
          modelsDir,
          resolve(io.cwd, onePositional(positionals, 'add needs one <dir>')),
          values.id,
        );
        if (values.json) printJson(io.stdout, m);
        else io.stdout.write(`added ${m.id}: ${m.dir} (used in place)\n`);
        return 0;
      }
      case 'make-tiny':
        return makeTiny(rest, io);
      default:
        throw new AppError('INVALID_INPUT', `unknown model subcommand "${sub ?? ''}"\n${usage}`);
    }
  },
};

function makePreset(
  dir: string,
  values: { preset?: string; seed?: string; dtype?: string; shards?: string; json?: boolean },
  io: CliIO,
): number {
  if (!(PRESETS as readonly string[]).includes(values.preset!))
    throw new AppError('INVALID_INPUT', `--preset must be one of ${PRESETS.join(', ')}`);
  if (values.dtype !== undefined || values.shards !== undefined)
    throw new AppError(
      'INVALID_INPUT',
      '--preset writes fp32 shards in the released layout; --dtype and --shards do not apply',
    );
  const bytes = makePresetCheckpoint(dir, values.preset as Preset, {
    seed: numberFlag('seed', values.seed, { integer: true, min: 0 }) ?? 0,
    onShard: (file, i, n) => {
      if (!values.json) io.stderr.write(`writing ${file} (${i + 1}/${n})\n`);
    },
  });
  if (values.json) printJson(io.stdout, { dir, preset: values.preset, weightBytes: bytes });
  else
    io.stdout.write(
      `wrote a ${values.preset}-shaped checkpoint to ${dir} (${(bytes / 1e9).toFixed(1)} GB of fp32 weights)\n`,
    );
  return 0;
}
