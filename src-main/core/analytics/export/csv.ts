// CSV export/import of tracks and count instances (RFC 4180 quoting; numbers printed so they parse back exactly).
// Columns are fixed and documented in docs/eval-format.md §Exports.
import { AppError } from '../../../api/errors.js';
import type { ModelCoord, Pixels, Seconds } from '../../../api/units.js';
import type { CountInstance, Track } from '../types.js';
import { at } from '../../../api/at.js';

const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Encodes rows as CSV text (header first, CRLF-free: "\n" line ends). */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return (
    [header, ...rows].map((r) => r.map((v) => (typeof v === 'number' ? String(v) : quote(v))).join(',')).join('\n') +
    '\n'
  );
}

/** Parses CSV text (quoted fields, "" escapes, \n or \r\n) into rows of strings. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQ = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQ) {
      if (c === '"' && text[i + 1] === '"') ((field += '"'), i++);
      else if (c === '"') inQ = false;
      else field += c;
    } else if (c === '"') inQ = true;
    else if (c === ',') (row.push(field), (field = ''));
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (inQ) throw new AppError('PARSE_ERROR', 'CSV ends inside a quoted field');
  if (field !== '' || row.length) (row.push(field), rows.push(row));
  return rows;
}

function table(text: string, header: readonly string[]): string[][] {
  const rows = parseCsv(text);
  if (rows.length === 0 || rows[0]?.join(',') !== header.join(','))
    throw new AppError('PARSE_ERROR', `CSV header must be ${header.join(',')}`);
  return rows.slice(1).map((r, i) => {
    if (r.length !== header.length)
      throw new AppError('PARSE_ERROR', `CSV row ${i + 2} has ${r.length} fields, expected ${header.length}`);
    return r;
  });
}

function num(s: string, row: number): number {
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n))
    throw new AppError('PARSE_ERROR', `CSV row ${row}: "${s}" is not a number`);
  return n;
}

/** One data row of a table: its fields, column k as a number, and its line in the file (the header is line 1). */
interface CsvRow {
  fields: string[];
  n(k: number): number;
  line: number;
}

/** The data rows grouped by the id in their first column: `start` makes a group, `add` puts each row in its group. */
function groupRows<G>(
  text: string,
  header: readonly string[],
  start: (id: number, row: CsvRow) => G,
  add: (group: G, row: CsvRow) => void,
): G[] {
  const out = new Map<number, G>();
  table(text, header).forEach((fields, i) => {
    const row: CsvRow = { fields, n: (k) => num(at(fields, k, 'CSV field'), i + 2), line: i + 2 };
    const id = row.n(0);
    let group = out.get(id);
    if (!group) out.set(id, (group = start(id, row)));
    add(group, row);
  });
  return [...out.values()];
}

export const TRACK_CSV_HEADER = ['track_id', 'label', 't', 'x', 'y', 'mx', 'my', 'window', 'local_id'] as const;

/** One row per track point, tracks in id order, points in time order. */
export function tracksToCsv(tracks: readonly Track[]): string {
  const rows = [...tracks]
    .sort((a, b) => a.id - b.id)
    .flatMap((t) => t.points.map((p) => [t.id, t.label, p.t, p.x, p.y, p.mx, p.my, p.window, p.localId]));
  return toCsv(TRACK_CSV_HEADER, rows);
}

/** Parses tracks CSV back (tracks in order of first appearance in the file). */
export function tracksFromCsv(text: string): Track[] {
  return groupRows<Track>(
    text,
    TRACK_CSV_HEADER,
    (id, r) => ({ id, label: at(r.fields, 1, 'CSV field'), points: [] }),
    (track, { n }) =>
      track.points.push({
        t: n(2) as Seconds,
        x: n(3) as Pixels,
        y: n(4) as Pixels,
        mx: n(5) as ModelCoord,
        my: n(6) as ModelCoord,
        window: n(7),
        localId: n(8),
      }),
  );
}

export const COUNT_CSV_HEADER = ['instance_id', 'evidence', 'window', 'local_id', 't', 'x', 'y', 'mx', 'my'] as const;

/** One row per sighting; evidence 0 is the instance's representative sighting. */
export function countToCsv(instances: readonly CountInstance[]): string {
  const rows = instances.flatMap((inst) =>
    inst.evidence.map((e, k) => [inst.id, k, e.window, e.localId, e.t, e.x, e.y, e.mx, e.my]),
  );
  return toCsv(COUNT_CSV_HEADER, rows);
}

/** Parses count-instance CSV back into instances. */
export function countFromCsv(text: string): CountInstance[] {
  return groupRows<CountInstance>(
    text,
    COUNT_CSV_HEADER,
    (id) => ({ id, evidence: [] }),
    (inst, { n, line }) => {
      if (n(1) !== inst.evidence.length)
        throw new AppError('PARSE_ERROR', `CSV row ${line}: evidence index out of order`);
      inst.evidence.push({
        window: n(2),
        localId: n(3),
        t: n(4) as Seconds,
        x: n(5) as Pixels,
        y: n(6) as Pixels,
        mx: n(7) as ModelCoord,
        my: n(8) as ModelCoord,
      });
    },
  );
}
