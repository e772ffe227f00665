// `molmoscope model …`: model checkpoint utilities (make-tiny today; download/verify later).
import { resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import { makeTinyCheckpoint } from '../../../models/tiny/make-tiny.js';
import { numberFlag, parseFlags, printJson, type Command } from '../command.js';

const usage = `Usage:
  molmoscope model make-tiny <dir> [--seed N] [--dtype float32|bfloat16|float16] [--shards N] [--json]
      Write a small Molmo2-architecture checkpoint (Hugging Face layout, random weights,
      the real Molmo2 tokenizer and templates) for tests and benchmarks.
`;

export const modelCommand: Command = {
  name: 'model',
  summary: 'Model checkpoint utilities (make-tiny).',
  usage,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub !== 'make-tiny') throw new AppError('INVALID_INPUT', `unknown model subcommand "${sub ?? ''}"\n${usage}`);
    const { values, positionals } = parseFlags(rest, {
      seed: { type: 'string' }, dtype: { type: 'string' }, shards: { type: 'string' }, json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new AppError('INVALID_INPUT', 'make-tiny needs exactly one <dir>');
    const dtype = values.dtype ?? 'float32';
    if (!['float32', 'bfloat16', 'float16'].includes(dtype)) throw new AppError('INVALID_INPUT', `--dtype must be float32, bfloat16 or float16`);
    const dir = resolve(io.cwd, positionals[0]);
    const files = makeTinyCheckpoint(dir, {
      seed: numberFlag('seed', values.seed, { integer: true, min: 0 }) ?? 0,
      dtype: dtype as 'float32',
      shards: numberFlag('shards', values.shards, { integer: true, min: 1 }) ?? 1,
    });
    if (values.json) printJson(io.stdout, { dir, files });
    else io.stdout.write(`wrote a tiny Molmo2 checkpoint to ${dir} (${files.length} files)\n`);
    return 0;
  },
};
