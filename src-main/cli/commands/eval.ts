// `molmoscope eval`: scores predictions against ground truth (counting, points, tracks) from JSON files.
// Formats are documented in docs/eval-format.md; metrics follow Molmo2's evaluation (reference §8).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import { evalCounts } from '../../core/analytics/metrics/count-metrics.js';
import {
  CountGtSchema,
  CountPredSchema,
  parseEvalFile,
  PointsGtSchema,
  PointsPredSchema,
  TracksGtSchema,
  TracksPredSchema,
} from '../../core/analytics/metrics/eval-format.js';
import { evalPoints } from '../../core/analytics/metrics/point-metrics.js';
import { evalTracks } from '../../core/analytics/metrics/track-metrics.js';
import { numberFlag, parseFlags, printJson, type Command } from '../command.js';

const usage = `Usage:
  molmoscope eval --kind count|points|tracks --pred <file.json> --gt <file.json> [--json]
                  [--fps N] [--time-tolerance S]
      count:  exact and close accuracy (|pred − gt| ≤ 1 + floor(0.05·gt)), per-bin accuracy.
      points: precision / recall / F1 with point-in-region matching (Hungarian on distance).
      tracks: HOTA, DetA, AssA, DetRe, DetPr (α = 0.5; point inside the GT region) and per-frame P/R/F1.
              --pred may also be a molmoscope.tracks document when the ground truth has one example.
      --fps: frame grid for tracks, frame = round(t·fps) (default 10, or the GT example's own fps).
      --time-tolerance: seconds within which a predicted point's time matches a GT region's (points; default 0.05).
  File formats: docs/eval-format.md.
`;

function readJson(io: { cwd: string }, file: string, what: string): unknown {
  const text = readFileSync(resolve(io.cwd, file), 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AppError('PARSE_ERROR', `${what} ${file}: not JSON (${(err as Error).message})`);
  }
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Score count/point/track predictions against ground truth (JSON files).',
  usage,
  async run(argv, io) {
    const { values } = parseFlags(
      argv,
      {
        kind: { type: 'string' },
        pred: { type: 'string' },
        gt: { type: 'string' },
        json: { type: 'boolean' },
        fps: { type: 'string' },
        'time-tolerance': { type: 'string' },
      },
      false,
    );
    if (!values.kind || !values.pred || !values.gt)
      throw new AppError('INVALID_INPUT', `eval needs --kind, --pred and --gt\n${usage}`);
    const predRaw = readJson(io, values.pred, 'predictions');
    const gtRaw = readJson(io, values.gt, 'ground truth');
    let result: { n: number } & Record<string, unknown>;
    let summary: string;
    if (values.kind === 'count') {
      const m = evalCounts(
        parseEvalFile(CountPredSchema, predRaw, 'predictions'),
        parseEvalFile(CountGtSchema, gtRaw, 'ground truth'),
      );
      result = { kind: 'count', ...m };
      summary = `count: n=${m.n} exact=${m.exactAccuracy.toFixed(4)} close=${m.closeAccuracy.toFixed(4)} invalid=${m.invalid}`;
    } else if (values.kind === 'points') {
      const tol = numberFlag('time-tolerance', values['time-tolerance'], { min: 0 });
      const m = evalPoints(
        parseEvalFile(PointsPredSchema, predRaw, 'predictions'),
        parseEvalFile(PointsGtSchema, gtRaw, 'ground truth'),
        tol === undefined ? {} : { timeTolerance: tol },
      );
      result = { kind: 'points', ...m };
      summary = `points: n=${m.n} precision=${m.precision.toFixed(4)} recall=${m.recall.toFixed(4)} f1=${m.f1.toFixed(4)}`;
    } else if (values.kind === 'tracks') {
      const gt = parseEvalFile(TracksGtSchema, gtRaw, 'ground truth');
      let pred = predRaw;
      if (pred && typeof pred === 'object' && (pred as { format?: unknown }).format === 'molmoscope.tracks') {
        const only = gt.examples[0];
        if (gt.examples.length !== 1 || !only)
          throw new AppError(
            'INVALID_INPUT',
            'a molmoscope.tracks document can only be scored against ground truth with one example',
          );
        pred = { examples: [{ id: only.id, tracks: (pred as { tracks: unknown }).tracks }] };
      }
      const fps = numberFlag('fps', values.fps, { min: 0 });
      if (fps === 0) throw new AppError('INVALID_INPUT', '--fps must be positive');
      const m = evalTracks(parseEvalFile(TracksPredSchema, pred, 'predictions'), gt, fps === undefined ? {} : { fps });
      result = { kind: 'tracks', ...m };
      summary = `tracks: n=${m.n} HOTA=${m.hota.toFixed(4)} DetA=${m.detA.toFixed(4)} AssA=${m.assA.toFixed(4)} DetRe=${m.detRe.toFixed(4)} DetPr=${m.detPr.toFixed(4)} F1=${m.spatial.f1.toFixed(4)}`;
    } else {
      throw new AppError('INVALID_INPUT', `--kind must be count, points or tracks, got "${values.kind}"`);
    }
    if (values.json) printJson(io.stdout, result);
    else io.stdout.write(summary + '\n');
    return 0;
  },
};
