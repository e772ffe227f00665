// Shared fixture: a tiny Molmo2 checkpoint generated once per (seed, options) under tests/.tmp and reused.
// Generation goes to a temp dir and is renamed into place, so parallel test files never see half a checkpoint.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeTinyCheckpoint, type TinyOptions } from '../../models/tiny/make-tiny.js';

export const TEST_TMP = resolve('tests/.tmp');

/** Returns the directory of a tiny checkpoint for these options, generating it on first use. */
export function tinyCheckpoint(opts: TinyOptions = {}): string {
  const key = JSON.stringify({ v: 1, ...opts });
  const b64 = Buffer.from(key).toString('base64url');
  // Long keys (options with overrides) used to be cut at 80 characters, so two option sets sharing a prefix shared
  // one checkpoint; a hash of the whole key keeps them apart (short keys keep their old names).
  const name =
    'tiny-' +
    (b64.length <= 80 ? b64 : `${b64.slice(0, 60)}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`);
  const dir = join(TEST_TMP, name);
  if (existsSync(join(dir, 'molmoscope-tiny.json'))) return dir;
  mkdirSync(TEST_TMP, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  makeTinyCheckpoint(tmp, opts);
  try {
    renameSync(tmp, dir);
  } catch {
    // Another test process won the race; its checkpoint is identical (same seed and options).
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

const scratch: string[] = [];

/**
 * A fresh scratch directory under tests/.tmp, removed when the test process exits (each test file runs in its own
 * process), so repeated runs do not pile up libraries and checkpoints; MOLMOSCOPE_KEEP_TEST_TMP=1 keeps them to look at.
 */
export function scratchDir(prefix: string): string {
  const dir = join(TEST_TMP, `${prefix}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  if (scratch.length === 0 && process.env.MOLMOSCOPE_KEEP_TEST_TMP !== '1') {
    process.once('exit', () => {
      for (const d of scratch) rmSync(d, { recursive: true, force: true, maxRetries: 2 });
    });
  }
  scratch.push(dir);
  return dir;
}
