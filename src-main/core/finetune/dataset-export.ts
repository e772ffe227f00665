// A dataset version as the training JSONL of docs/finetune.md: one line per clip (its included examples of one split
// as a message tree, or one example), the window with its exact frame times, each answer with its question, task
// style and the example it came from ("ref": "example:<id>").
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { Library } from '../library/store.js';
import { clipTrees } from './dataset-build.js';
import { listExamples } from './ft-datasets-store.js';
import type { FtExample } from './types.js';

/** One example's answer fields: task, style, the question and answer as messages, and its example id. */
function answerOf(e: FtExample): Record<string, unknown> {
  return {
    task: e.task,
    ...(e.style ? { style: e.style } : {}),
    messages: [
      { role: 'user', content: e.question },
      { role: 'assistant', content: e.answer },
    ],
    ref: `example:${e.id}`,
  };
}

/** The JSONL line of one clip's examples (absolute video path, so the file can live anywhere); several = a tree. */
export function exampleLine(tree: readonly FtExample[]): Record<string, unknown> {
  const [e] = tree;
  if (!e) throw new AppError('INTERNAL', 'an export line needs an example');
  const clip = { video: e.path, start: e.start, end: e.end, times: e.times };
  return tree.length === 1 ? { ...clip, ...answerOf(e) } : { ...clip, answers: tree.map(answerOf) };
}

/** The JSONL text of a dataset's included examples of one split (or both): `examples` answers on `lines` lines. */
export function datasetJsonl(
  lib: Library,
  datasetId: number,
  split?: 'train' | 'heldout',
): { text: string; examples: number; lines: number } {
  const xs = listExamples(lib, datasetId, { includedOnly: true, ...(split ? { split } : {}) });
  const trees = clipTrees(xs);
  return {
    text: trees.map((t) => JSON.stringify(exampleLine(t))).join('\n') + (trees.length ? '\n' : ''),
    examples: xs.length,
    lines: trees.length,
  };
}

/** Writes the JSONL atomically to `file` (an existing file only with `overwrite`); returns the number of lines. */
export function exportJsonl(
  lib: Library,
  datasetId: number,
  file: string,
  opts: { split?: 'train' | 'heldout'; overwrite?: boolean } = {},
): number {
  if (existsSync(file) && !opts.overwrite)
    throw new AppError('INVALID_INPUT', `${file} exists; pass overwrite to replace it`);
  if (file === lib.path || file.startsWith(`${lib.path}-`))
    throw new AppError('INVALID_INPUT', 'the export cannot replace the library or its side files');
  const { text, examples } = datasetJsonl(lib, datasetId, opts.split);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp-${process.pid}`, text);
    renameSync(`${file}.tmp-${process.pid}`, file);
  } catch (err) {
    throw new AppError('INVALID_INPUT', `cannot write ${file}: ${(err as Error).message}`);
  }
  return examples;
}
