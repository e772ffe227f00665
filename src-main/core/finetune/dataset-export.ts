// A dataset version as the training JSONL of docs/finetune.md: one line per included example, the window with its
// exact frame times, the question with its task style, the answer as the assistant message.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { Library } from '../library/store.js';
import { listExamples } from './ft-datasets-store.js';
import type { FtExample } from './types.js';

/** The JSONL line of one example (absolute video path, so the file can live anywhere). */
export function exampleLine(e: FtExample): Record<string, unknown> {
  return {
    video: e.path,
    start: e.start,
    end: e.end,
    times: e.times,
    task: e.task,
    ...(e.style ? { style: e.style } : {}),
    messages: [
      { role: 'user', content: e.question },
      { role: 'assistant', content: e.answer },
    ],
  };
}

/** The JSONL text of a dataset's included examples of one split (or both). */
export function datasetJsonl(
  lib: Library,
  datasetId: number,
  split?: 'train' | 'heldout',
): { text: string; examples: number } {
  const xs = listExamples(lib, datasetId, { includedOnly: true, ...(split ? { split } : {}) });
  return {
    text: xs.map((e) => JSON.stringify(exampleLine(e))).join('\n') + (xs.length ? '\n' : ''),
    examples: xs.length,
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
