// `molmoscope search --library DB "query"`: full-text search over captions, results as moments.
// --json prints {"results":[{recordingId,path,start,end,score,snippet}]}.
import { AppError } from '../../api/errors.js';
import { search } from '../../core/library/search.js';
import { numberFlag, parseFlags, printJson, type Command } from '../command.js';
import { openLibraryFlag } from './library-flag.js';

const usage = `Usage:
  molmoscope search --library DB "query" [--limit N] [--recording ID,…] [--folder DIR]
                    [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--min-duration S] [--max-duration S] [--json]
      Words must all appear (stemmed: "cyclists" finds "cyclist"); "exact phrase"; prefix*; a OR b.
      Other syntax is treated as plain words. Overlapping windows of a recording merge into one moment.
`;

export const searchCommand: Command = {
  name: 'search',
  summary: 'Search the captions of a library; prints moments (recording, start–end, score, snippet).',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, {
      library: { type: 'string' }, limit: { type: 'string' }, recording: { type: 'string' }, folder: { type: 'string' },
      from: { type: 'string' }, to: { type: 'string' }, 'min-duration': { type: 'string' }, 'max-duration': { type: 'string' }, json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new AppError('INVALID_INPUT', `search needs exactly one "query" (quote it)\n${usage}`);
    const recordingIds = values.recording?.split(',').map((x) => numberFlag('recording', x.trim(), { integer: true, min: 1 })!);
    // quick_check: a full integrity_check of a large library on every search would dominate its latency.
    const lib = openLibraryFlag(values.library, io, { create: false, integrity: 'quick' });
    try {
      const moments = search(lib, positionals[0], {
        limit: numberFlag('limit', values.limit, { integer: true, min: 1 }) ?? 20,
        recordingIds, folder: values.folder, dateFrom: values.from, dateTo: values.to,
        minDuration: numberFlag('min-duration', values['min-duration'], { min: 0 }),
        maxDuration: numberFlag('max-duration', values['max-duration'], { min: 0 }),
        highlight: values.json ? ['[', ']'] : ['\x1b[1m', '\x1b[0m'],
      });
      const results = moments.map((m) => ({ recordingId: m.recordingId, path: m.path, start: m.start, end: m.end, score: Number(m.score.toFixed(4)), snippet: m.snippet }));
      if (values.json) printJson(io.stdout, { results });
      else if (!results.length) io.stdout.write('no results\n');
      else for (const r of results) io.stdout.write(`${fmt(r.start)}–${fmt(r.end)}  ${r.path}  (${r.score.toFixed(2)})\n    ${r.snippet}\n`);
      return 0;
    } finally {
      lib.close();
    }
  },
};

function fmt(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = (s % 60).toFixed(1).padStart(4, '0');
  return `${h ? h + ':' : ''}${String(m).padStart(2, '0')}:${sec}`;
}
