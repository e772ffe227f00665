// Exports of a stored run: count instances or (corrected) tracks as CSV / JSON, tracks as MOT text, or a case bundle
// (recording reference + captions of the range + tracks). Writes are atomic; an unknown format is refused first.
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { Library } from '../library/store.js';
import { captionsOverlapping } from '../library/captions-store.js';
import { writeFileAtomic } from './export/atomic.js';
import { writeCaseBundle } from './export/case-bundle.js';
import { countToCsv, tracksToCsv } from './export/csv.js';
import { countToJson, tracksToJson } from './export/documents.js';
import { tracksToMot } from './export/mot.js';
import { correctedTracks } from './run-corrections.js';
import { getRun } from './run-store.js';
import { loadCountResult } from './count-results-store.js';

export type ExportFormat = 'csv' | 'json' | 'mot' | 'case';

/** Writes a run's result to `out` (a file, or a folder for 'case'; parent folders are made); returns the files and row count. */
export function exportRun(
  lib: Library,
  runId: number,
  format: ExportFormat,
  out: string,
  opts: { overwrite?: boolean } = {},
): { files: string[]; rows: number } {
  if (!isAbsolute(out)) throw new AppError('INVALID_INPUT', `the export path must be absolute, got "${out}"`);
  try {
    mkdirSync(dirname(out), { recursive: true });
    return write(lib, runId, format, out, opts);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOSPC') throw new AppError('DISK_FULL', `No space left to write ${out}.`, undefined, { cause: err });
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR' || code === 'EISDIR') {
      throw new AppError('UNREADABLE', `Cannot write ${out} (${code}); choose another place.`, undefined, {
        cause: err,
      });
    }
    throw err;
  }
}

function write(
  lib: Library,
  runId: number,
  format: ExportFormat,
  out: string,
  opts: { overwrite?: boolean },
): { files: string[]; rows: number } {
  const run = getRun(lib, runId);
  if (run.status !== 'done')
    throw new AppError('JOB_CONFLICT', `Run ${runId} is ${run.status}; only finished runs export.`);
  if (run.kind === 'count') {
    const result = loadCountResult(lib, runId);
    if (format === 'csv') writeFileAtomic(out, countToCsv(result.instances));
    else if (format === 'json') writeFileAtomic(out, countToJson(result, { query: run.query, frame: run.frame }));
    else throw new AppError('INVALID_INPUT', `a count run exports as csv or json, not ${format}`);
    return { files: [out], rows: result.instances.length };
  }
  const { set } = correctedTracks(lib, runId);
  const rows = set.tracks.reduce((n, t) => n + t.points.length, 0);
  const fps = run.videoFps ?? undefined;
  if (format === 'csv') writeFileAtomic(out, tracksToCsv(set.tracks));
  else if (format === 'json') writeFileAtomic(out, tracksToJson(set, fps ? { videoFps: fps } : {}));
  else if (format === 'mot') writeFileAtomic(out, tracksToMot(set.tracks, fps ?? 2));
  else if (format === 'case') {
    const captions = captionsOverlapping(lib.db, run.recordingId, run.start, run.end);
    const names = writeCaseBundle(
      out,
      {
        title: `Tracks of "${run.query}" in ${run.path.split(/[\\/]/).pop()}`,
        clip: { path: run.path, start: run.start, end: run.end },
        captions,
        tracks: set,
        createdAt: new Date().toISOString(),
        ...(fps ? { videoFps: fps } : {}),
      },
      opts,
    );
    return { files: names.map((n) => `${out}/${n}`), rows };
  } else throw new AppError('INVALID_INPUT', `format must be csv, json, mot or case, got "${String(format)}"`);
  return { files: [out], rows };
}
