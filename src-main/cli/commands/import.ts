// `molmoscope import <path…> --library DB`: add files and folders to a library (created if missing).
// Prints one line per notable file (or the full report with --json); rejected files are listed with their code.
import { resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import { importPaths } from '../../core/library/import.js';
import { mediaSourceOver } from '../../core/library/media-adapter.js';
import { withCliContext } from '../cli-context.js';
import { asLibraryError } from '../../core/library/store.js';
import { parseFlags, printJson, type Command } from '../command.js';
import { openLibraryFlag } from './library-flag.js';

const usage = `Usage:
  molmoscope import <path…> --library DB [--ext mp4,mov,…] [--json]
      Import video files and folders (folders recursively, filtered by extension) into the library DB
      (created if missing). Same content under two names is imported once (the other path is recorded
      as a duplicate); a file moved or renamed since the last import keeps its recording and captions;
      a bad file is recorded as rejected with its reason code (NOT_A_VIDEO, NO_VIDEO_STREAM, TRUNCATED, …).
`;

export const importCommand: Command = {
  name: 'import',
  summary: 'Import video files/folders into a library (de-duplicated; bad files listed with reasons).',
  usage,
  async run(argv, io, signal) {
    const { values, positionals } = parseFlags(argv, {
      library: { type: 'string' },
      ext: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!positionals.length) throw new AppError('INVALID_INPUT', `import needs at least one <path>\n${usage}`);
    const lib = openLibraryFlag(values.library, io, { create: true });
    try {
      const extensions = values.ext
        ? values.ext
            .split(',')
            .map((e) => e.trim())
            .filter(Boolean)
        : undefined;
      const paths = positionals.map((p) => resolve(io.cwd, p));
      const report = await withCliContext(io, (ctx) =>
        importPaths(lib, paths, { media: mediaSourceOver(ctx.media), signal, extensions }),
      );
      if (values.json) printJson(io.stdout, report);
      else {
        for (const r of report.results) {
          if (r.action === 'rejected') io.stdout.write(`rejected   ${r.code}  ${r.path}\n`);
          else if (r.action === 'duplicate') io.stdout.write(`duplicate  of #${r.duplicateOf}  ${r.path}\n`);
          else if (r.action === 'moved') io.stdout.write(`moved      #${r.recordingId}  ${r.movedFrom} → ${r.path}\n`);
          else if (r.action !== 'unchanged') io.stdout.write(`${r.action.padEnd(10)} #${r.recordingId}  ${r.path}\n`);
        }
        const c = report.counts;
        io.stdout.write(
          `${c.added} added, ${c.updated} updated, ${c.moved} moved, ${c.duplicate} duplicates, ${c.unchanged} unchanged, ` +
            `${c.rejected} rejected, ${report.skipped} skipped by extension` +
            (report.missing ? `; ${report.missing} recording(s) of the library no longer found, marked missing` : '') +
            '\n',
        );
      }
      return 0;
    } catch (err) {
      throw asLibraryError(err, lib.path);
    } finally {
      lib.close();
    }
  },
};
