// Datasets from the library: reviewed count runs, corrected track runs and the user's clip answers become Molmo2
// examples (answers written by the grammar formatter, times on each window's sample grid), split by recording.
import { AppError } from '../../api/errors.js';
import { sampleTimes } from '../media/index.js';
import { formatPoints, formatTracks } from '../molmo2/grammar/format.js';
import { taskPrompt } from '../molmo2/prompt/task-prompts.js';
import { correctedTracks } from '../analytics/run-corrections.js';
import { getRun, type RunRow } from '../analytics/run-store.js';
import { loadCountResult } from '../analytics/count-results-store.js';
import { storedWindows, type StoredWindow } from '../analytics/run-windows-store.js';
import { fromModelX, fromModelY } from '../analytics/geometry.js';
import { modelCoord } from '../../api/units.js';
import type { Library } from '../library/store.js';
import { SeededRng } from './lora.js';
import { listClipAnswers } from './clip-answers-store.js';
import { correctedRunIds } from './corrections-finetune-store.js';
import { listCountReviews, reviewedRunIds } from './count-reviews-store.js';
import { addedPointRunIds, listAddedPoints } from './count-added-points-store.js';
import { insertDataset } from './ft-datasets-store.js';
import { captionWindow } from './captions-finetune-store.js';
import { recordingBrief } from './recordings-finetune-store.js';
import type { FtDataset, FtExample, FtTask, NewFtExample } from './types.js';
import { DATA_LIMITS } from './dataset.js';

/** An example before it has a place in a dataset (seq) and a split. */
export type Candidate = Omit<NewFtExample, 'seq' | 'split'>;

export interface BuildRequest {
  name: string;
  /** Share of recordings held out for evaluation (default 0.2; 0 = none). */
  heldoutShare?: number;
  seed?: number;
}

export interface BuildReport {
  dataset: FtDataset;
  perTask: Record<FtTask, { train: number; heldout: number }>;
  heldoutRecordings: number[];
  /** Sources that gave no example, with why. */
  skipped: Array<{ source: string; reason: string }>;
}

/** The sample time nearest `t` within `tol` seconds, or null (a point off the window's grid is dropped). */
export function snapToGrid(t: number, grid: readonly number[], tol: number): number | null {
  let best: number | null = null;
  for (const g of grid) if (Math.abs(g - t) <= tol && (best === null || Math.abs(g - t) < Math.abs(best - t))) best = g;
  return best;
}

/** Half the smallest gap between sample times (the grid's snapping tolerance), at most 0.5 s. */
function gridTolerance(grid: readonly number[]): number {
  let gap = 1;
  for (let i = 1; i < grid.length; i++) gap = Math.min(gap, grid[i]! - grid[i - 1]!);
  return gap / 2;
}

const round3 = (t: number) => Math.round(t * 1000) / 1000;

type GridPoint = { t: number; x: number; y: number };

/** The points that lie on the grid, moved onto it (plain numbers: pixels and recording seconds). */
function onGrid(points: ReadonlyArray<{ t: number; x: number; y: number }>, grid: readonly number[]): GridPoint[] {
  const tol = gridTolerance(grid);
  const out: GridPoint[] = [];
  for (const p of points) {
    const t = snapToGrid(p.t, grid, tol);
    if (t !== null) out.push({ t, x: p.x, y: p.y });
  }
  return out;
}

/** A run of `kind` that has finished, or INVALID_INPUT. */
function finishedRun(lib: Library, runId: number, kind: 'count' | 'track'): RunRow {
  const run = getRun(lib, runId);
  if (run.kind !== kind || run.status !== 'done')
    throw new AppError('INVALID_INPUT', `run ${runId} is not a finished ${kind} run`);
  return run;
}

/** The fields an example from one window of a run shares whatever its task: where it is, and its prompt. */
function windowBase(run: RunRow, w: StoredWindow, prompt: ReturnType<typeof taskPrompt>) {
  return {
    recordingId: run.recordingId,
    path: run.path,
    start: w.start,
    end: w.end,
    times: w.sampleTimes,
    question: prompt.text,
    style: prompt.style ?? null,
  };
}

/** Runs whose counts carry the user's material: a verdict on an instance, or a point added where the model missed one. */
function countMaterialRunIds(lib: Library): number[] {
  return [...new Set([...reviewedRunIds(lib), ...addedPointRunIds(lib)])].sort((a, b) => a - b);
}

/** A count run's material: the instances not rejected, the points the user added (in pixels), the verdicts. */
function countMaterial(lib: Library, run: RunRow) {
  const reviews = listCountReviews(lib, run.id);
  const rejected = reviews.filter((r) => r.verdict === 'reject').map((r) => r.instanceId);
  const accepted = reviews.filter((r) => r.verdict === 'accept').map((r) => r.instanceId);
  const kept = loadCountResult(lib, run.id).instances.filter((i) => !rejected.includes(i.id));
  const added = listAddedPoints(lib, run.id).map((p) => ({
    id: p.id,
    t: p.t,
    x: fromModelX(modelCoord(p.mx), run.frame),
    y: fromModelY(modelCoord(p.my), run.frame),
  }));
  return { rejected, accepted, kept, added };
}

/**
 * One window's target points: the kept instances' sightings in it, then the added points inside the window that lie
 * on its grid (a point stored on a neighbour's frame half an interval outside this window is not this window's).
 */
function countWindowPoints(m: ReturnType<typeof countMaterial>, w: StoredWindow) {
  const grid = w.sampleTimes;
  const sighted = onGrid(
    m.kept.flatMap((i) => i.evidence.filter((e) => e.window === w.index)),
    grid,
  );
  const tol = gridTolerance(grid);
  const added = m.added.flatMap((p) => {
    const t = p.t >= w.start && p.t <= w.end ? snapToGrid(p.t, grid, tol) : null;
    return t === null ? [] : [{ id: p.id, t, x: p.x, y: p.y }];
  });
  return { points: [...sighted, ...added.map(({ t, x, y }) => ({ t, x, y }))], addedIds: added.map((p) => p.id) };
}

/**
 * One example per answered window of a count run: the non-rejected instances' sightings in that window plus the
 * points the user added on its grid (instances the model missed), written by the grammar formatter.
 */
export function countRunCandidates(lib: Library, runId: number): Candidate[] {
  const run = finishedRun(lib, runId, 'count');
  const m = countMaterial(lib, run);
  const label = run.query.toLowerCase();
  const prompt = taskPrompt({ kind: 'count', label }, 'video');
  return storedWindows(lib, runId)
    .filter((w) => w.status === 'ok')
    .map((w) => {
      const { points, addedIds } = countWindowPoints(m, w);
      const answer = formatPoints({
        kind: 'video',
        label,
        mode: 'point_count',
        width: run.frame.width,
        height: run.frame.height,
        points: points.map((p) => ({ key: round3(p.t - w.start), x: p.x, y: p.y })),
      });
      return {
        ...windowBase(run, w, prompt),
        task: 'count' as const,
        answer,
        truth: { kind: 'count' as const, count: points.length, points, frame: run.frame },
        source: {
          kind: 'count_run' as const,
          id: runId,
          window: w.index,
          accepted: m.accepted,
          rejected: m.rejected,
          added: addedIds,
        },
      };
    });
}

/** One example per answered window of a track run: the corrected tracks' points on that window's grid. */
export function trackRunCandidates(lib: Library, runId: number): Candidate[] {
  const run = finishedRun(lib, runId, 'track');
  const { set, applied } = correctedTracks(lib, runId);
  const label = run.query.toLowerCase();
  return storedWindows(lib, runId)
    .filter((w) => w.status === 'ok' && w.sampleTimes.length > 0)
    .map((w) => {
      const grid = w.sampleTimes;
      const fps = grid.length > 1 ? Math.round(1 / (grid[1]! - grid[0]!)) : 2;
      const prompt = taskPrompt({ kind: 'track', label, fps }, 'video');
      const tracks = set.tracks
        .map((t) => ({ id: t.id, points: onGrid(t.points, grid) }))
        .filter((t) => t.points.length > 0);
      const answer = formatTracks({
        label,
        width: run.frame.width,
        height: run.frame.height,
        tracks: tracks.map((t) => ({ id: t.id, points: t.points.map((p) => ({ ...p, t: round3(p.t - w.start) })) })),
      });
      return {
        ...windowBase(run, w, prompt),
        task: 'track' as const,
        answer,
        truth: { kind: 'track' as const, tracks, frame: run.frame },
        source: { kind: 'track_run' as const, id: runId, window: w.index, corrections: applied },
      };
    });
}

/** Every clip answer as an example: a caption on its indexing window's grid, a question on the clip's own grid. */
export function answerCandidates(lib: Library): Candidate[] {
  return listClipAnswers(lib).map((a): Candidate => {
    const rec = recordingBrief(lib, a.recordingId);
    const clipGrid = () => sampleTimes(a.end - a.start).map((t) => round3(t + a.start));
    let ask: Pick<Candidate, 'times' | 'task' | 'question' | 'style'>;
    if (a.task === 'caption') {
      const cw = a.captionId !== null ? captionWindow(lib, a.captionId) : null;
      const { text, style } = taskPrompt(
        { kind: 'caption', length: cw?.promptKind === 'short' ? 'short' : 'long' },
        'video',
      );
      ask = { times: cw?.times ?? clipGrid(), task: 'caption', question: text, style: style ?? null };
    } else ask = { times: clipGrid(), task: 'qa', question: a.question, style: null };
    return {
      recordingId: a.recordingId,
      path: rec.path,
      start: a.start,
      end: a.end,
      ...ask,
      answer: a.answer,
      truth: { kind: 'text', text: a.answer },
      source: { kind: 'clip_answer', id: a.id },
    };
  });
}

/**
 * Recordings held out for evaluation: a seeded shuffle, the first ⌈share·n⌉ (at least one when there are two or
 * more recordings and share > 0, and never all of them), so no recording is in both splits.
 */
export function heldoutRecordings(recordingIds: readonly number[], share: number, seed: number): Set<number> {
  const ids = [...new Set(recordingIds)].sort((a, b) => a - b);
  if (share <= 0 || ids.length < 2) return new Set();
  const rng = new SeededRng(seed >>> 0);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const n = Math.min(ids.length - 1, Math.max(1, Math.ceil(share * ids.length)));
  return new Set(ids.slice(0, n));
}

/** Question + answer characters one message tree may hold beyond its first answer (keeps it under the token limit). */
export const TREE_TEXT_BUDGET = 6000;

type ClipKeyed = Pick<FtExample, 'split' | 'recordingId' | 'path' | 'start' | 'end' | 'times' | 'question' | 'answer'>;

/**
 * The examples of one clip — same recording, window and frame times — in one split, in their order: each group is
 * trained as one message tree (one line of the export). A group closes at DATA_LIMITS.maxAnswers answers or when
 * the next answer would pass TREE_TEXT_BUDGET characters, so a tree stays about as long as its longest answer allows.
 */
export function clipTrees<T extends ClipKeyed>(examples: readonly T[]): T[][] {
  const open = new Map<string, { tree: T[]; chars: number }>();
  const out: T[][] = [];
  for (const e of examples) {
    const key = JSON.stringify([e.split, e.recordingId, e.path, e.start, e.end, e.times]);
    const chars = e.question.length + e.answer.length;
    const g = open.get(key);
    if (g && g.tree.length < DATA_LIMITS.maxAnswers && g.chars + chars <= TREE_TEXT_BUDGET) {
      g.tree.push(e);
      g.chars += chars;
      continue;
    }
    const tree = [e];
    out.push(tree);
    open.set(key, { tree, chars: 0 });
  }
  return out;
}

function gather(lib: Library, skipped: BuildReport['skipped']): Candidate[] {
  const out: Candidate[] = [];
  const tryRun = (what: string, f: () => Candidate[]) => {
    try {
      const c = f();
      if (c.length === 0) skipped.push({ source: what, reason: 'no answered window' });
      out.push(...c);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      skipped.push({ source: what, reason: err.message });
    }
  };
  for (const id of countMaterialRunIds(lib)) tryRun(`count run ${id}`, () => countRunCandidates(lib, id));
  for (const id of correctedRunIds(lib)) tryRun(`track run ${id}`, () => trackRunCandidates(lib, id));
  tryRun('clip answers', () => answerCandidates(lib));
  if (listClipAnswers(lib).length === 0) skipped.pop();
  return out;
}

/** Builds the next version of dataset `name` from the library's corrections, reviews and answers. */
export function buildDataset(lib: Library, req: BuildRequest): BuildReport {
  const share = req.heldoutShare ?? 0.2;
  const seed = req.seed ?? 0;
  const skipped: BuildReport['skipped'] = [];
  const cands = gather(lib, skipped);
  if (cands.length === 0)
    throw new AppError(
      'INVALID_INPUT',
      'nothing to learn from yet: review a count run, correct a track run, or answer a clip first',
    );
  const held = heldoutRecordings(
    cands.map((c) => c.recordingId),
    share,
    seed,
  );
  const examples: NewFtExample[] = cands.map((c, seq) => ({
    ...c,
    seq,
    split: held.has(c.recordingId) ? 'heldout' : 'train',
  }));
  const dataset = insertDataset(lib, { name: req.name, heldoutShare: share, seed }, examples);
  const perTask = {
    count: { train: 0, heldout: 0 },
    track: { train: 0, heldout: 0 },
    qa: { train: 0, heldout: 0 },
    caption: { train: 0, heldout: 0 },
  };
  for (const e of examples) perTask[e.task][e.split]++;
  return { dataset, perTask, heldoutRecordings: [...held].sort((a, b) => a - b), skipped };
}
