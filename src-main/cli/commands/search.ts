// `molmoscope search --library DB "query"`: full-text search over captions, results as moments.
// --json prints {"results":[{recordingId,path,start,end,score,snippet}]}.
import { search } from '../../core/library/search.js';
import { verifyMoments, type Evidence } from '../../core/library/verify.js';
import { createCoreContext } from '../../core/platform/create-context.js';
import { closeModel, configureModel, modelSession } from '../../core/molmo2/model-host.js';
import { configuredModelId } from '../../core/library/index-host.js';
import { resolve } from 'node:path';
import { numberFlag, onePositional, parseFlags, printJson, type Command } from '../command.js';
import { openLibraryFlag } from './library-flag.js';

const usage = `Usage:
  molmoscope search --library DB "query" [--limit N] [--recording ID,…] [--folder DIR]
                    [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--min-duration S] [--max-duration S]
                    [--verify K [--model DIR] [--ep NAME]] [--json]
      Words must all appear (stemmed: "cyclists" finds "cyclist"); "exact phrase"; prefix*; a OR b.
      Other syntax is treated as plain words. Overlapping windows of a recording merge into one moment.
      --verify K   re-check the top K moments with Molmo2 (a yes/no question on each window); each gets
                   "evidence" (answer, verdict, ms, tokens) and the output a "verification" cost summary.
`;

export const searchCommand: Command = {
  name: 'search',
  summary: 'Search the captions of a library; prints moments (recording, start–end, score, snippet).',
  usage,
  async run(argv, io, signal) {
    const { values, positionals } = parseFlags(argv, {
      library: { type: 'string' },
      limit: { type: 'string' },
      recording: { type: 'string' },
      folder: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'min-duration': { type: 'string' },
      'max-duration': { type: 'string' },
      json: { type: 'boolean' },
      verify: { type: 'string' },
      model: { type: 'string' },
      ep: { type: 'string' },
    });
    const verifyK = numberFlag('verify', values.verify, { integer: true, min: 1 });
    const query = onePositional(positionals, `search needs exactly one "query" (quote it)\n${usage}`);
    const recordingIds = values.recording
      ?.split(',')
      .map((x) => numberFlag('recording', x.trim(), { integer: true, min: 1 })!);
    // Search only reads: the full integrity check (background mode) is started by a writer, never here. Opening
    // still checks in full first if it must migrate the file.
    const lib = openLibraryFlag(values.library, io, { create: false, integrity: 'background' });
    try {
      const moments = search(lib, query, {
        limit: numberFlag('limit', values.limit, { integer: true, min: 1 }) ?? 20,
        recordingIds,
        folder: values.folder,
        dateFrom: values.from,
        dateTo: values.to,
        minDuration: numberFlag('min-duration', values['min-duration'], { min: 0 }),
        maxDuration: numberFlag('max-duration', values['max-duration'], { min: 0 }),
        highlight: values.json ? ['[', ']'] : ['\x1b[1m', '\x1b[0m'],
      });
      let verified: Array<(typeof moments)[number] & { evidence?: Evidence }> = moments;
      let verification: { checked: number; ms: number; tokens: number; modelId: string } | undefined;
      if (verifyK && moments.length) {
        const ctx = createCoreContext({
          host: 'cli',
          env: values.ep ? { ...io.env, MOLMOSCOPE_EP: values.ep } : io.env,
        });
        try {
          if (values.model) await configureModel(ctx, resolve(io.cwd, values.model), values.ep);
          const modelId = configuredModelId(ctx);
          const v = await verifyMoments(lib, await modelSession(ctx), query, moments, verifyK, signal);
          verified = v.moments;
          verification = { ...v.cost, modelId };
        } finally {
          await closeModel(ctx);
          ctx.dispose();
        }
      }
      const results = verified.map((m) => ({
        recordingId: m.recordingId,
        path: m.path,
        start: m.start,
        end: m.end,
        score: Number(m.score.toFixed(4)),
        snippet: m.snippet,
        ...(m.evidence ? { evidence: m.evidence } : {}),
      }));
      if (values.json) printJson(io.stdout, verification ? { results, verification } : { results });
      else if (!results.length) io.stdout.write('no results\n');
      else {
        for (const r of results) {
          io.stdout.write(`${fmt(r.start)}–${fmt(r.end)}  ${r.path}  (${r.score.toFixed(2)})\n    ${r.snippet}\n`);
          if (r.evidence)
            io.stdout.write(
              `    Molmo2: ${r.evidence.verdict} — "${r.evidence.answer}" (${r.evidence.ms.toFixed(0)} ms, ${r.evidence.tokens} tokens)\n`,
            );
        }
        if (verification)
          io.stdout.write(
            `verified ${verification.checked} with ${verification.modelId}: ${(verification.ms / 1000).toFixed(1)} s, ${verification.tokens} tokens\n`,
          );
      }
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
