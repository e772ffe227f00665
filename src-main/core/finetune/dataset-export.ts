// A dataset version as the training JSONL of docs/finetune.md: one line per included example, the window with its
// exact frame times, the question with its task style, the answer as the assistant message.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Library } from '../library/store.js';
import { listExamples } from './ft-datasets-store.js';
import type { FtExample } from './types.js';

/** The JSONL line of one example (absolute video path, so the file can live anywhere). */
export function exampleLine(e: FtExample): Record<string, unknown> {
  return {
    video: e.path, start: e.start, end: e.end, times: e.times, task: e.task, ...(e.style ? { style: e.style } : {}),
    messages: [{ role: 'user', content: e.question }, { role: 'assistant', content: e.answer }],
  };
}

/** The JSONL text of a dataset's included examples of one split (or both). */
export function datasetJsonl(lib: Library, datasetId: number, split?: 'train' | 'heldout'): { text: string; examples: number } {
  const xs = listExamples(lib, datasetId, { includedOnly: true, ...(split ? { split } : {}) });
  return { text: xs.map((e) => JSON.stringify(exampleLine(e))).join('\n') + (xs.length ? '\n' : ''), examples: xs.length };
}

/** Writes the JSONL atomically to `file`; returns the number of lines. */
export function exportJsonl(lib: Library, datasetId: number, file: string, split?: 'train' | 'heldout'): number {
  const { text, examples } = datasetJsonl(lib, datasetId, split);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp-${process.pid}`, text);
  renameSync(`${file}.tmp-${process.pid}`, file);
  return examples;
}
