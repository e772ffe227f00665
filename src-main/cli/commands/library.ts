// `molmoscope library check|repair --library DB`: the full integrity check of a library, and the repair that keeps
// a copy aside and rebuilds what is derived (indexes, the caption search index). Exit 0 intact/repaired, 1 not.
import { resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import { repairLibrary } from '../../core/library/repair.js';
import { openLibrary } from '../../core/library/store.js';
import { parseFlags, printJson, type Command } from '../command.js';

const usage = `Usage:
  molmoscope library check --library DB [--json]
      Runs SQLite's full integrity check on the library (read-only).
  molmoscope library repair --library DB [--json]
      Copies the library aside (DB.before-repair-<time>), then rebuilds everything derived from the stored rows:
      every index and the caption search index. When the damage is in stored rows themselves the repair says so:
      restore a backup (the copy keeps the damaged file as it was).
`;

export const libraryCommand: Command = {
  name: 'library',
  summary: 'Check a library file, or repair one that failed its check (a copy is kept aside).',
  usage,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const { values } = parseFlags(rest, { library: { type: 'string' }, json: { type: 'boolean' } }, false);
    if (sub !== 'check' && sub !== 'repair')
      throw new AppError('INVALID_INPUT', `unknown library subcommand "${sub ?? ''}"\n${usage}`);
    const p = values.library ?? io.env.MOLMOSCOPE_LIBRARY;
    if (!p) throw new AppError('INVALID_INPUT', '--library DB is required (or set MOLMOSCOPE_LIBRARY).');
    const path = resolve(io.cwd, p);
    if (sub === 'check') {
      openLibrary(path, { create: false, readonly: true, integrity: 'full' }).close(); // LIBRARY_CORRUPT with the way out
      if (values.json) printJson(io.stdout, { path, ok: true });
      else io.stdout.write(`${path}: integrity check ok\n`);
      return 0;
    }
    const r = repairLibrary(path);
    if (values.json) printJson(io.stdout, r);
    else if (r.repaired) {
      io.stdout.write(
        `${path}: repaired (indexes and the search index rebuilt); integrity check ok.\n  before: ${r.before.slice(0, 3).join('; ')}\n  the library as it was is kept at ${r.copy}\n`,
      );
    } else {
      io.stdout.write(
        `${path}: NOT repaired: the damage is in stored rows, which cannot be rebuilt.\n  still: ${r.after.slice(0, 3).join('; ')}\n` +
          `  Restore a backup of the library; the damaged file as it was is kept at ${r.copy}.\n`,
      );
    }
    return r.repaired ? 0 : 1;
  },
};
