// Track: a query tracked over a recording (or a range) as a job with progress/ETA/cancel; the result plays with
// point overlays (id labels, short trails) above a canvas timeline of one lane per object, the playhead synced both
// ways; a selected object can be renamed, merged, split at the playhead, deleted or unstitched at one of its stitch
// decisions (stored as corrections, undoable), and the corrected tracks exported (CSV, JSON, MOT, case bundle).
import { useCallback, useMemo, useRef, useState } from 'react';
import type { MolmoscopeBridge } from '../api/client.js';
import { VideoPlayer, type VideoPlayerHandle } from '../components/VideoPlayer.js';
import { WindowList } from '../components/analytics/WindowList.js';
import { ExportBar } from '../components/analytics/ExportBar.js';
import { StitchDecisions } from '../components/analytics/StitchDecisions.js';
import { TrackEditBar, useTrackEdits } from '../components/analytics/TrackEditBar.js';
import { fmtTime, useAnalyticsPage } from '../components/analytics/use-analytics.js';
import { TrackTimeline } from '../components/timeline/TrackTimeline.js';
import { TrackOverlay } from '../components/timeline/TrackOverlay.js';
import { buildModel } from '../components/timeline/timeline-model.js';
import { laneColor } from '../components/timeline/timeline-draw.js';
import './analytics.css';
import { AnalyticsRunHeader } from '../components/analytics/AnalyticsRunHeader.js';
import { RunHeading } from '../components/analytics/RunHeading.js';
import type { Lane, TimelineModel } from '../components/timeline/timeline-model.js';
import type { RunResultDto, TrackResultDto } from '../../../src-main/api/ops/analytics.js';

/** The Track page's state: library, recordings, runs and job, the picked run's result, playhead, selection, edits. */
function useTrackPage(api: MolmoscopeBridge) {
  const page = useAnalyticsPage(api, 'track');
  const { result, setRunId, setResult } = page;
  const [time, setTime] = useState(0);
  const [selected, setSelected] = useState<number | null>(null);
  const player = useRef<VideoPlayerHandle>(null);

  const tracks = result?.tracks ?? null;
  const model = useMemo(() => buildModel(tracks?.tracks ?? []), [tracks]);
  const range = useMemo(
    () => ({ start: result?.run.start ?? 0, end: Math.max((result?.run.start ?? 0) + 1, result?.run.end ?? 1) }),
    [result],
  );
  const seek = useCallback((t: number) => {
    setTime(t);
    player.current?.seek(t);
  }, []);
  const sel = model.lanes.find((l) => l.id === selected) ?? null;
  const pickRun = (id: number | null) => {
    setRunId(id);
    setSelected(null);
  };
  const edits = useTrackEdits(api, result, setResult, () => setSelected(null));
  return { ...page, time, setTime, selected, setSelected, player, tracks, model, range, seek, sel, pickRun, edits };
}

type TrackPageState = ReturnType<typeof useTrackPage>;

/** The result's heading and tallies: objects (or the run's status), windows, stitches and corrections. */
function TrackSummary({ result, tracks }: { result: RunResultDto; tracks: TrackResultDto | null }) {
  return (
    <RunHeading
      run={result.run}
      headline={
        tracks && (
          <>
            <strong data-testid="track-count">{tracks.tracks.length}</strong> objects “{result.run.query}”
          </>
        )
      }
      extra={
        tracks
          ? ` · ${tracks.decisions.filter((d) => d.reason !== 'new').length} stitches · ${tracks.corrections.length} corrections`
          : ''
      }
    />
  );
}

/** One button per object (its colour, id, label, time span and number of spans); clicking selects it and seeks. */
function ObjectList({
  model,
  selected,
  onPick,
}: {
  model: TimelineModel;
  selected: number | null;
  onPick: (lane: Lane) => void;
}) {
  return (
    <ul className="objects" aria-label="objects">
      {model.lanes.map((l) => (
        <li key={l.id}>
          <button
            type="button"
            data-testid="object"
            data-id={l.id}
            className={l.id === selected ? 'active' : undefined}
            onClick={() => onPick(l)}
          >
            <span className="swatch" style={{ background: laneColor(l.id) }} />
            {l.id} {l.label}{' '}
            <span className="muted small">
              {fmtTime(l.t[0] ?? 0)}–{fmtTime(l.t[l.t.length - 1] ?? 0)} · {l.spans.length / 2} span
              {l.spans.length > 2 ? 's' : ''}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The tools under the player once there are tracks: timeline, edit bar, stitch decisions, objects, export. */
function TrackTools({
  api,
  p,
  result,
  tracks,
}: {
  api: MolmoscopeBridge;
  p: TrackPageState;
  result: RunResultDto;
  tracks: TrackResultDto;
}) {
  const { edit, undo, editError } = p.edits;
  const pickObject = (l: Lane) => {
    p.setSelected(l.id);
    const t0 = l.t[0];
    if (t0 !== undefined) p.seek(t0);
  };
  return (
    <>
      <TrackTimeline
        model={p.model}
        time={p.time}
        selectedId={p.selected}
        range={p.range}
        onSeek={p.seek}
        onSelect={p.setSelected}
      />
      <TrackEditBar
        model={p.model}
        sel={p.sel}
        time={p.time}
        canUndo={tracks.corrections.length > 0}
        edit={edit}
        undo={() => void undo()}
      />
      {p.sel && (
        <StitchDecisions
          tracks={tracks}
          trackId={p.sel.id}
          onSeek={p.seek}
          onUnstitch={(s) => void edit({ kind: 'unstitch', ...s })}
        />
      )}
      {editError && (
        <p className="bad" role="alert">
          <code>{editError.code}</code> {editError.message}
        </p>
      )}
      <ObjectList model={p.model} selected={p.selected} onPick={pickObject} />
      <ExportBar api={api} runId={result.run.id} kind="track" formats={['csv', 'json', 'mot', 'case']} />
    </>
  );
}

/** The result card: summary, the player with the point overlay, the tools, the window list. */
function TrackResultCard({ api, p, result }: { api: MolmoscopeBridge; p: TrackPageState; result: RunResultDto }) {
  const tracks = p.tracks;
  return (
    <section className="card">
      <TrackSummary result={result} tracks={tracks} />
      <VideoPlayer ref={p.player} recordingId={result.run.recordingId} startAt={result.run.start} onTime={p.setTime}>
        {tracks && (
          <TrackOverlay
            model={p.model}
            time={p.time}
            selectedId={p.selected}
            frame={result.run.frame}
            tolerance={0.5}
          />
        )}
      </VideoPlayer>
      {tracks && <TrackTools api={api} p={p} result={result} tracks={tracks} />}
      <WindowList windows={result.windows} onSeek={p.seek} all={!tracks} />
    </section>
  );
}

/** The Track page. */
export function TrackPage({ api }: { api: MolmoscopeBridge }) {
  const p = useTrackPage(api);
  return (
    <div className="stack analytics" data-testid="page-track">
      <AnalyticsRunHeader api={api} kind="track" s={p} />
      {p.result && <TrackResultCard api={api} p={p} result={p.result} />}
    </div>
  );
}
