// Count: a query over a recording (or a range of it) run as a job with progress/ETA/cancel; the result is the
// de-duplicated total, per-window counts, malformed windows with reasons, and every instance as evidence (crop
// thumbnail around the point); clicking an instance seeks the player there and draws the point on the video.
import { InstanceVerdict, useVerdicts } from '../components/finetune/InstanceVerdict.js';
import { MissedBar, MissedLayer, useMissedMode } from '../components/finetune/MissedPoints.js';
import { useRef, useState, type RefObject } from 'react';
import type { MolmoscopeBridge } from '../api/client.js';
import { VideoPlayer, type VideoPlayerHandle } from '../components/VideoPlayer.js';
import { WindowList } from '../components/analytics/WindowList.js';
import { ExportBar } from '../components/analytics/ExportBar.js';
import { fmtTime, useAnalyticsPage } from '../components/analytics/use-analytics.js';
import type { CountResultDto, RunResultDto } from '../../../src-main/api/ops/analytics.js';
import './analytics.css';
import { AnalyticsRunHeader } from '../components/analytics/AnalyticsRunHeader.js';
import { RunHeading } from '../components/analytics/RunHeading.js';

type Instance = CountResultDto['instances'][number];
type Sighting = Instance['evidence'][number];
type PickedSighting = { instance: number; s: Sighting };

const THUMB_W = 320;
const CROP = 96;

/** A crop of the frame around the point: the frame thumbnail scaled ×2 and offset so the point sits in the middle. */
function Crop({
  api,
  recordingId,
  s,
  frameW,
}: {
  api: MolmoscopeBridge;
  recordingId: number;
  s: Sighting;
  frameW: number;
}) {
  const k = (THUMB_W / frameW) * 2;
  return (
    <span
      className="crop"
      aria-hidden="true"
      style={{
        backgroundImage: `url("${api.thumbnailUrl(recordingId, s.t, THUMB_W)}")`,
        backgroundSize: `${THUMB_W * 2}px auto`,
        backgroundPosition: `${CROP / 2 - s.x * k}px ${CROP / 2 - s.y * k}px`,
      }}
    >
      <span className="crop-dot" />
    </span>
  );
}

/** The point of the picked sighting drawn over the video, labelled with its instance. */
function CountMarker({ picked, frame }: { picked: PickedSighting; frame: { width: number; height: number } }) {
  return (
    <svg className="overlay-svg" viewBox={`0 0 ${frame.width} ${frame.height}`} preserveAspectRatio="none">
      <circle
        data-testid="count-marker"
        data-x={picked.s.x}
        data-y={picked.s.y}
        cx={picked.s.x}
        cy={picked.s.y}
        r={frame.width * 0.012}
        className="marker"
      />
      <text
        x={picked.s.x + frame.width * 0.016}
        y={picked.s.y}
        className="marker-label"
        style={{ fontSize: frame.width * 0.02 }}
      >
        #{picked.instance}
      </text>
    </svg>
  );
}

/** One bar per window, its height the window's count; clicking one seeks to the window's start. */
function PerWindowBars({ count, onSeek }: { count: CountResultDto; onSeek: (t: number) => void }) {
  const maxPer = Math.max(1, ...count.perWindow.map((w) => w.count));
  return (
    <div className="per-window" aria-label="per-window counts">
      {count.perWindow.map((w) => (
        <button
          type="button"
          key={w.window}
          title={`${fmtTime(w.start)}–${fmtTime(w.end)}: ${w.count}`}
          onClick={() => onSeek(w.start)}
        >
          <span className="bar" style={{ height: `${(100 * w.count) / maxPer}%` }} />
          <span className="small">{w.count}</span>
        </button>
      ))}
    </div>
  );
}

/** What the result's two cards (the evidence frame and the instances) are drawn from. */
interface CardProps {
  api: MolmoscopeBridge;
  result: RunResultDto;
  picked: PickedSighting | null;
  verdicts: ReturnType<typeof useVerdicts>;
  player: RefObject<VideoPlayerHandle | null>;
}

/**
 * The left card: the total (or the run's status), window tallies, the player with the marker — the evidence frame,
 * where "Add missed" adds the instances the model missed — and per-window bars.
 */
function CountSummary({ api, result, picked, verdicts, player }: CardProps) {
  const count = result.count;
  const frame = result.run.frame;
  const missed = useMissedMode(api, result, player);
  const rejected = (id: number) => verdicts.verdicts.get(id) === 'reject';
  return (
    <section className="card">
      <RunHeading
        run={result.run}
        headline={
          count && (
            <>
              Total <strong data-testid="count-total">{count.total}</strong> “{result.run.query}”
            </>
          )
        }
        extra={count ? ` · ${count.matches.length} sightings matched across overlaps` : ''}
      />
      <VideoPlayer ref={player} recordingId={result.run.recordingId} startAt={picked?.s.t}>
        {frame && picked && !missed.on && <CountMarker picked={picked} frame={frame} />}
        {frame && count && <MissedLayer m={missed} count={count} frame={frame} rejected={rejected} />}
      </VideoPlayer>
      {count && result.run.status === 'done' && (
        <MissedBar
          m={missed}
          counted={count.total}
          rejected={[...verdicts.verdicts.values()].filter((v) => v === 'reject').length}
        />
      )}
      {count && count.perWindow.length > 0 && <PerWindowBars count={count} onSeek={(t) => player.current?.seek(t)} />}
    </section>
  );
}

/** One instance: its crop, first sighting and number of sightings (clicking picks it), and its verdict buttons. */
function InstanceItem({
  api,
  result,
  inst,
  picked,
  verdicts,
  onPick,
}: {
  api: MolmoscopeBridge;
  result: RunResultDto;
  inst: Instance;
  picked: PickedSighting | null;
  verdicts: ReturnType<typeof useVerdicts>;
  onPick: (p: PickedSighting) => void;
}) {
  const s = inst.evidence[0];
  if (!s) return null; // the contract's instances carry at least one sighting
  return (
    <li>
      <button
        type="button"
        data-testid="instance"
        data-instance={inst.id}
        className={picked?.instance === inst.id ? 'active' : undefined}
        onClick={() => onPick({ instance: inst.id, s })}
      >
        <Crop api={api} recordingId={result.run.recordingId} s={s} frameW={result.run.frame!.width} />
        <span>
          #{inst.id} at {fmtTime(s.t)}
          <br />
          <span className="muted small">
            ({Math.round(s.x)}, {Math.round(s.y)}) · seen {inst.evidence.length}×
          </span>
        </span>
      </button>
      <InstanceVerdict
        id={inst.id}
        verdict={verdicts.verdicts.get(inst.id)}
        onSet={(v) => void verdicts.set(inst.id, v)}
      />
    </li>
  );
}

/** The right card: every instance as evidence, the export bar and the window list. */
function InstancesCard({
  api,
  result,
  picked,
  verdicts,
  player,
  onPick,
}: CardProps & { onPick: (p: PickedSighting) => void }) {
  const count = result.count;
  return (
    <section className="card">
      <h2>Instances</h2>
      {count && count.instances.length === 0 && <p className="muted">No instance was found.</p>}
      <ul className="instances">
        {count?.instances.map((inst) => (
          <InstanceItem
            key={inst.id}
            api={api}
            result={result}
            inst={inst}
            picked={picked}
            verdicts={verdicts}
            onPick={onPick}
          />
        ))}
      </ul>
      {count && <ExportBar api={api} runId={result.run.id} kind="count" formats={['csv', 'json']} />}
      <WindowList windows={result.windows} onSeek={(t) => player.current?.seek(t)} all={!count} />
    </section>
  );
}

/** The Count page's state: the library, recordings, runs and job, the picked run's result and verdicts, the pick. */
function useCountPage(api: MolmoscopeBridge) {
  const page = useAnalyticsPage(api, 'count');
  const { runId, setRunId, result } = page;
  const [picked, setPicked] = useState<PickedSighting | null>(null);
  const verdicts = useVerdicts(api, runId, result?.run.status === 'done');
  const player = useRef<VideoPlayerHandle>(null);
  const pickRun = (id: number | null) => {
    setRunId(id);
    setPicked(null);
  };
  const pickSighting = (p: PickedSighting) => {
    setPicked(p);
    player.current?.seek(p.s.t);
  };
  return { ...page, picked, verdicts, player, pickRun, pickSighting };
}

/** The Count page. */
export function CountPage({ api }: { api: MolmoscopeBridge }) {
  const c = useCountPage(api);
  return (
    <div className="stack analytics" data-testid="page-count">
      <AnalyticsRunHeader api={api} kind="count" s={c} />
      {c.result && (
        <div className="result-grid">
          <CountSummary api={api} result={c.result} picked={c.picked} verdicts={c.verdicts} player={c.player} />
          <InstancesCard
            api={api}
            result={c.result}
            picked={c.picked}
            verdicts={c.verdicts}
            player={c.player}
            onPick={c.pickSighting}
          />
        </div>
      )}
    </div>
  );
}
