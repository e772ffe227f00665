// `molmoscope export`: turns a tracks or count JSON document into CSV, JSON, MOT text or a case bundle.
// Corrections (a JSON array of stored corrections) can be applied on top of the tracks first.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { AppError } from '../../api/errors.js';
import { correctionFromRow, replayCorrections, type Correction } from '../../core/analytics/corrections.js';
import { writeFileAtomic } from '../../core/analytics/export/atomic.js';
import { writeCaseBundle } from '../../core/analytics/export/case-bundle.js';
import { countToCsv, tracksToCsv } from '../../core/analytics/export/csv.js';
import {
  countFromJson,
  countToJson,
  parseDoc,
  tracksFromJson,
  tracksToJson,
} from '../../core/analytics/export/documents.js';
import { tracksToMot } from '../../core/analytics/export/mot.js';
import { numberFlag, parseFlags, printJson, type CliIO, type Command } from '../command.js';

const usage = `Usage:
  molmoscope export --format csv|json|mot|case --in <tracks.json|count.json> --out <file|dir> [--json]
                    [--fps N] [--corrections <corrections.json>] [--overwrite]
                    [--clip <recording>] [--start S] [--end S] [--title T] [--captions <captions.json>]
      --in: a molmoscope.tracks or molmoscope.count document.
      csv/json: tracks or count instances. mot: tracks only, frame = round(t·fps)+1 with --fps (default: the
      document's videoFps, else 2), 1×1 px box centred on each point. case: a folder with README.md, clip.json,
      captions.json, tracks.json, tracks.csv (needs --clip; --start/--end default to the tracks' time span).
      --corrections: [{id, kind, payload, createdAt}] applied to the tracks before export.
  Writes are atomic (temp + rename).
`;

const CorrectionsSchema = z.array(
  z.object({ id: z.number().int(), kind: z.string(), payload: z.unknown(), createdAt: z.string() }),
);
const CaptionsSchema = z.array(z.object({ start: z.number(), end: z.number(), text: z.string() }));

function parseExportFlags(argv: string[]) {
  return parseFlags(
    argv,
    {
      format: { type: 'string' },
      in: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      fps: { type: 'string' },
      corrections: { type: 'string' },
      overwrite: { type: 'boolean' },
      clip: { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
      title: { type: 'string' },
      captions: { type: 'string' },
    },
    false,
  ).values;
}

type ExportFlags = ReturnType<typeof parseExportFlags>;
type TracksDoc = ReturnType<typeof tracksFromJson>;

/** Writes a count document's instances as CSV or JSON; returns the number of rows. */
function exportCount(values: ExportFlags, text: string, outPath: string): number {
  const { result, query, frame } = countFromJson(text);
  if (values.format === 'csv') writeFileAtomic(outPath, countToCsv(result.instances));
  else if (values.format === 'json') writeFileAtomic(outPath, countToJson(result, { query, frame }));
  else
    throw new AppError(
      'INVALID_INPUT',
      `--format ${values.format} needs a tracks document (count documents export as csv or json)`,
    );
  return result.instances.length;
}

/** The tracks with the --corrections file applied (a warning on stderr names the ones that did not apply). */
function correctedTracks(values: ExportFlags, io: CliIO, set: TracksDoc['set']): TracksDoc['set'] {
  if (!values.corrections) return set;
  const raw = parseDoc(
    CorrectionsSchema,
    readFileSync(resolve(io.cwd, values.corrections), 'utf8'),
    values.corrections,
  );
  const list: Correction[] = raw.map((c) =>
    correctionFromRow({ id: c.id, kind: c.kind, payload: JSON.stringify(c.payload), created_at: c.createdAt }),
  );
  const r = replayCorrections(set, list);
  if (r.skipped.length)
    io.stderr.write(
      `warning: ${r.skipped.length} correction(s) did not apply: ${r.skipped.map((s) => `${s.id} (${s.reason})`).join('; ')}\n`,
    );
  return r.set;
}

/** Writes the case bundle folder; returns the paths of the files written. */
function exportCase(values: ExportFlags, io: CliIO, doc: TracksDoc, set: TracksDoc['set'], outPath: string): string[] {
  if (!values.clip) throw new AppError('INVALID_INPUT', '--format case needs --clip <recording path>');
  const times = set.tracks.flatMap((t) => t.points.map((p) => p.t as number));
  const start = numberFlag('start', values.start, { min: 0 }) ?? (times.length ? Math.min(...times) : 0);
  const end = numberFlag('end', values.end, { min: 0 }) ?? (times.length ? Math.max(...times) : start);
  const captions = values.captions
    ? parseDoc(CaptionsSchema, readFileSync(resolve(io.cwd, values.captions), 'utf8'), values.captions)
    : [];
  const names = writeCaseBundle(
    outPath,
    {
      title: values.title ?? `Tracks of "${set.label}"`,
      clip: { path: resolve(io.cwd, values.clip), start, end },
      captions,
      tracks: set,
      createdAt: new Date().toISOString(),
      ...(doc.videoFps ? { videoFps: doc.videoFps } : {}),
    },
    { overwrite: values.overwrite },
  );
  return names.map((n) => resolve(outPath, n));
}

/** Writes a tracks document (corrected first) in the chosen format; returns the rows and the files written. */
function exportTracks(values: ExportFlags, io: CliIO, text: string, outPath: string) {
  const doc = tracksFromJson(text);
  const set = correctedTracks(values, io, doc.set);
  const rows = set.tracks.reduce((s, t) => s + t.points.length, 0);
  const fps = numberFlag('fps', values.fps, { min: 0 }) ?? doc.videoFps ?? 2;
  let written: string[] = [outPath];
  if (values.format === 'csv') writeFileAtomic(outPath, tracksToCsv(set.tracks));
  else if (values.format === 'json')
    writeFileAtomic(outPath, tracksToJson(set, doc.videoFps ? { videoFps: doc.videoFps } : {}));
  else if (values.format === 'mot') writeFileAtomic(outPath, tracksToMot(set.tracks, fps));
  else if (values.format === 'case') written = exportCase(values, io, doc, set, outPath);
  else throw new AppError('INVALID_INPUT', `--format must be csv, json, mot or case, got "${values.format}"`);
  return { rows, written };
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'Export tracks or count instances as CSV, JSON, MOT text or a case bundle.',
  usage,
  async run(argv, io) {
    const values = parseExportFlags(argv);
    if (!values.format || !values.in || !values.out)
      throw new AppError('INVALID_INPUT', `export needs --format, --in and --out\n${usage}`);
    const inPath = resolve(io.cwd, values.in);
    const outPath = resolve(io.cwd, values.out);
    const text = readFileSync(inPath, 'utf8');
    const kind = parseDoc(
      z.object({ format: z.enum(['molmoscope.tracks', 'molmoscope.count']) }),
      text,
      values.in,
    ).format;
    const { rows, written } =
      kind === 'molmoscope.count'
        ? { rows: exportCount(values, text, outPath), written: [outPath] }
        : exportTracks(values, io, text, outPath);
    if (values.json) printJson(io.stdout, { format: values.format, in: inPath, out: outPath, files: written, rows });
    else io.stdout.write(`wrote ${outPath} (${rows} rows)\n`);
    return 0;
  },
};
