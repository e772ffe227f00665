// Base against adapter on the Count and Track pages: the picked run's model, "Re-run with <adapter>" / "Re-run with
// base" (one click queues the same query, recording, span and settings on the other model), and once a run of the
// other model exists, "Compare" (second click) opens both side by side — counts, a per-frame difference strip,
// matched and unmatched instances that seek the player, and for tracks both runs' lanes.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { MolmoscopeBridge } from '../../api/client.js';
import type { ApiError } from '../../../../src-main/api/errors.js';
import type { RunComparisonDto, RunDto } from '../../../../src-main/api/ops/analytics.js';
import { VideoPlayer, type VideoPlayerHandle } from '../VideoPlayer.js';
import { TrackTimeline } from '../timeline/TrackTimeline.js';
import { buildModel } from '../timeline/timeline-model.js';
import { useAdapters } from '../finetune/use-finetune.js';
import { fmtTime } from './use-analytics.js';
import type { RerunRequest, RunKind } from './run-types.js';
import './compare.css';

type Item = RunComparisonDto['onlyA'][number];

/** What a run ran on, as the page names it. */
export const modelName = (r: RunDto): string => (r.adapter ? `adapter “${r.adapter.name}”` : 'base model');

/** The newest finished run of the other model over the same query, recording and span, if any. */
function counterpart(runs: RunDto[], run: RunDto): RunDto | null {
  return (
    runs.find(
      (r) =>
        r.id !== run.id &&
        r.status === 'done' &&
        r.kind === run.kind &&
        r.query === run.query &&
        r.recordingId === run.recordingId &&
        Math.abs(r.start - run.start) < 1e-6 &&
        Math.abs(r.end - run.end) < 1e-6 &&
        (r.adapter?.sha256 ?? null) !== (run.adapter?.sha256 ?? null),
    ) ?? null
  );
}

/** The bar under the run picker: the run's model, the re-run button, and Compare once the other model's run exists. */
export function RerunCompareBar(props: {
  api: MolmoscopeBridge;
  kind: RunKind;
  runs: RunDto[];
  runId: number | null;
  running: boolean;
  onRerun(req: RerunRequest): void;
}) {
  // Adapters matter only once there is a run to re-run; with no library open the ops would be refused (422).
  const { adapters } = useAdapters(props.api, props.runs.length > 0);
  const [open, setOpen] = useState<[number, number] | null>(null);
  const run = props.runs.find((r) => r.id === props.runId) ?? null;
  useEffect(() => setOpen(null), [props.runId]);
  if (!run || run.status !== 'done') return null;
  const other = counterpart(props.runs, run);
  const adapter = adapters.find((a) => a.active) ?? adapters[0] ?? null;
  return (
    <section className="card compare-bar" data-testid="compare-bar" data-run={run.id}>
      <p className="row small">
        Run #{run.id} ran on the <strong data-testid="run-model">{modelName(run)}</strong>.
        {run.adapter ? (
          <button
            type="button"
            disabled={props.running}
            onClick={() => props.onRerun({ rerunOf: run.id, model: 'base' })}
          >
            Re-run with base
          </button>
        ) : adapter ? (
          <button
            type="button"
            disabled={props.running}
            onClick={() => props.onRerun({ rerunOf: run.id, model: 'adapter', adapterId: adapter.id })}
          >
            Re-run with {adapter.name}
          </button>
        ) : (
          <span className="muted">Train an adapter on the Fine-tune page to compare it with the base here.</span>
        )}
        {other && (
          <button type="button" data-testid="compare" onClick={() => setOpen(open ? null : [other.id, run.id])}>
            {open ? 'Close the comparison' : `Compare with #${other.id} (${modelName(other)})`}
          </button>
        )}
      </p>
      {open && <CompareView api={props.api} kind={props.kind} a={open[0]} b={open[1]} />}
    </section>
  );
}

/** analytics.compare of two runs (null while asking). */
function useComparison(api: MolmoscopeBridge, a: number, b: number) {
  const [c, setC] = useState<RunComparisonDto | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    let live = true;
    setC(null);
    void api.ops['analytics.compare']({ a, b }).then((r) => {
      if (!live) return;
      if (r.ok) setC(r.value);
      else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [api, a, b]);
  return { c, error };
}

/** Both runs side by side: headline per run, the difference strip, the player, instances and (tracks) lanes. */
function CompareView({ api, kind, a, b }: { api: MolmoscopeBridge; kind: RunKind; a: number; b: number }) {
  const { c, error } = useComparison(api, a, b);
  const player = useRef<VideoPlayerHandle>(null);
  const [picked, setPicked] = useState<{ a?: Item; b?: Item } | null>(null);
  const [time, setTime] = useState(0);
  if (error)
    return (
      <p className="bad" role="alert">
        <code>{error.code}</code> {error.message}
      </p>
    );
  if (!c) return <p className="muted">Comparing…</p>;
  const seek = (t: number) => player.current?.seek(t);
  const pick = (p: { a?: Item; b?: Item }) => {
    setPicked(p);
    seek((p.a ?? p.b)?.t ?? c.a.run.start);
  };
  return (
    <div className="compare-view" data-testid="compare-view" data-kind={kind}>
      <div className="compare-sides">
        <SideHead side={c.a} label="A" />
        <SideHead side={c.b} label="B" />
      </div>
      <p className="small muted" data-testid="agreement">
        B against A:{' '}
        {Object.entries(c.agreement)
          .map(([k, v]) => `${k} ${v.toFixed(3)}`)
          .join(' · ')}
      </p>
      <DiffStrip c={c} onSeek={seek} />
      <VideoPlayer ref={player} recordingId={c.a.run.recordingId} startAt={c.a.run.start} onTime={setTime}>
        {picked && <PairMarker picked={picked} frame={c.a.run.frame} />}
      </VideoPlayer>
      {c.tracks && <Lanes c={c} time={time} onSeek={seek} />}
      <MatchLists c={c} onPick={pick} />
    </div>
  );
}

/** One run's column head: id, model and total. */
function SideHead({ side, label }: { side: RunComparisonDto['a']; label: string }) {
  return (
    <div className="compare-side" data-testid={`side-${label.toLowerCase()}`} data-run={side.run.id}>
      <strong>
        {label}: run #{side.run.id}
      </strong>{' '}
      <span className="small">{modelName(side.run)}</span>
      <div className="compare-total" data-testid={`total-${label.toLowerCase()}`}>
        {side.total}
      </div>
      <span className="small muted">{side.run.kind === 'count' ? 'counted' : 'tracks'}</span>
    </div>
  );
}

/** Per sampled time, B − A as a bar above (B saw more) or below (A saw more) the line; click seeks. */
function DiffStrip({ c, onSeek }: { c: RunComparisonDto; onSeek(t: number): void }) {
  const span = Math.max(1e-3, c.a.run.end - c.a.run.start);
  const most = Math.max(1, ...c.perFrame.map((f) => Math.abs(f.b - f.a)));
  const differ = c.perFrame.filter((f) => f.a !== f.b).length;
  return (
    <div className="diff-strip" data-testid="diff-strip" data-frames={c.perFrame.length} data-differ={differ}>
      <svg viewBox="0 0 1000 60" preserveAspectRatio="none" aria-label="per-frame difference, B minus A">
        <line x1={0} x2={1000} y1={30} y2={30} className="zero" />
        {c.perFrame.map((f) => {
          const d = f.b - f.a;
          const h = (28 * Math.abs(d)) / most;
          const x = (1000 * (f.t - c.a.run.start)) / span;
          return (
            <rect
              key={f.t}
              x={x - 2}
              width={4}
              y={d > 0 ? 30 - h : 30}
              height={Math.max(h, 1)}
              className={d > 0 ? 'more' : d < 0 ? 'fewer' : 'same'}
              onClick={() => onSeek(f.t)}
            >
              <title>{`${fmtTime(f.t)}: A ${f.a}, B ${f.b}`}</title>
            </rect>
          );
        })}
      </svg>
      <span className="small muted">
        {differ} of {c.perFrame.length} sampled frames differ
      </span>
    </div>
  );
}

/** The picked instance of each run drawn over the video: A as a circle, B as a square. */
function PairMarker({ picked, frame }: { picked: { a?: Item; b?: Item }; frame: { width: number; height: number } }) {
  const r = frame.width * 0.012;
  return (
    <svg className="overlay-svg" viewBox={`0 0 ${frame.width} ${frame.height}`} preserveAspectRatio="none">
      {picked.a && <circle data-testid="marker-a" cx={picked.a.x} cy={picked.a.y} r={r} className="marker" />}
      {picked.b && (
        <rect
          data-testid="marker-b"
          x={picked.b.x - r}
          y={picked.b.y - r}
          width={2 * r}
          height={2 * r}
          className="marker marker-b"
        />
      )}
    </svg>
  );
}

/** Both runs' tracks as lanes (A above, B below), the playhead shared with the player. */
function Lanes({ c, time, onSeek }: { c: RunComparisonDto; time: number; onSeek(t: number): void }) {
  const a = useMemo(() => buildModel(c.tracks?.a ?? []), [c]);
  const b = useMemo(() => buildModel(c.tracks?.b ?? []), [c]);
  const range = { start: c.a.run.start, end: Math.max(c.a.run.start + 1, c.a.run.end) };
  const shared = { time, selectedId: null, range, onSeek, onSelect: () => {} };
  return (
    <div className="compare-lanes" data-testid="compare-lanes">
      {[
        { label: 'A', model: a },
        { label: 'B', model: b },
      ].map((l) => (
        <div key={l.label} data-testid={`lanes-${l.label.toLowerCase()}`}>
          <span className="small">{l.label}</span>
          <TrackTimeline model={l.model} {...shared} />
        </div>
      ))}
    </div>
  );
}

/** Matched pairs, then what only A and only B found; each entry seeks the player and marks the point(s). */
function MatchLists({ c, onPick }: { c: RunComparisonDto; onPick(p: { a?: Item; b?: Item }): void }) {
  const item = (i: Item) => `#${i.id} at ${fmtTime(i.t)}`;
  const what = c.kind === 'count' ? 'instances' : 'tracks';
  const lists: Array<{ key: string; title: string; rows: Array<{ label: string; p: { a?: Item; b?: Item } }> }> = [
    {
      key: 'matched',
      title: `Matched ${what} (${c.matched.length})`,
      rows: c.matched.map((m) => ({
        label: `A ${item(m.a)} ↔ B ${item(m.b)}${c.kind === 'track' ? ` · ${m.frames} frames` : ''}`,
        p: { a: m.a, b: m.b },
      })),
    },
    { key: 'only-a', title: `Only A (${c.onlyA.length})`, rows: c.onlyA.map((i) => ({ label: item(i), p: { a: i } })) },
    { key: 'only-b', title: `Only B (${c.onlyB.length})`, rows: c.onlyB.map((i) => ({ label: item(i), p: { b: i } })) },
  ];
  return (
    <div className="compare-lists">
      {lists.map((l) => (
        <div key={l.key} data-testid={`list-${l.key}`}>
          <h3>{l.title}</h3>
          <ul>
            {l.rows.map((r) => (
              <li key={r.label}>
                <button type="button" data-testid="compare-item" onClick={() => onPick(r.p)}>
                  {r.label}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </div>
  );
}
