// Track: a query tracked over a recording (or a range) as a job with progress/ETA/cancel; the result plays with
// point overlays (id labels, short trails) above a canvas timeline of one lane per object, the playhead synced both
// ways; a selected object can be renamed, merged, split at the playhead, deleted or unstitched at one of its stitch
// decisions (stored as corrections, undoable), and the corrected tracks exported (CSV, JSON, MOT, case bundle).
import { useCallback, useMemo, useRef, useState } from 'react';
import type { MolmoscopeBridge } from '../api/client.js';
import { VideoPlayer, type VideoPlayerHandle } from '../components/VideoPlayer.js';
import { LivePartial } from '../components/LivePartial.js';
import { RunPanel } from '../components/analytics/RunPanel.js';
import { WindowList } from '../components/analytics/WindowList.js';
import { ExportBar } from '../components/analytics/ExportBar.js';
import { StitchDecisions } from '../components/analytics/StitchDecisions.js';
import { TrackEditBar, useTrackEdits } from '../components/analytics/TrackEditBar.js';
import {
  fmtTime,
  useOpenLibrary,
  useRecordings,
  useRunJob,
  useRunResult,
} from '../components/analytics/use-analytics.js';
import { TrackTimeline } from '../components/timeline/TrackTimeline.js';
import { TrackOverlay } from '../components/timeline/TrackOverlay.js';
import { buildModel } from '../components/timeline/timeline-model.js';
import { laneColor } from '../components/timeline/timeline-draw.js';
import './analytics.css';
import { ActiveModel } from '../components/ActiveModel.js';

/** The Track page. */
// eslint-disable-next-line max-lines-per-function -- over 80 only since Prettier's line breaks (2026-12-07); to be split along its steps
export function TrackPage({ api }: { api: MolmoscopeBridge }) {
  const library = useOpenLibrary(api);
  const { recordings, error: recError } = useRecordings(api, !!library);
  const { runs, runId, setRunId, job, run } = useRunJob(api, 'track', !!library);
  const { result, error, setResult } = useRunResult(api, runId);
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

  const { edit, undo, editError } = useTrackEdits(api, result, setResult, () => setSelected(null));
  return (
    <div className="stack analytics" data-testid="page-track">
      <ActiveModel api={api} />
      {library === null && (
        <p className="card muted" data-testid="no-library">
          No library is open: open or create one on the Library page (or start with <code>--library DB</code>), import
          recordings, then track here.
        </p>
      )}
      <RunPanel
        kind="track"
        recordings={recordings}
        running={job.jobId !== null}
        progress={job.progress}
        error={job.error ?? recError}
        runs={runs}
        runId={runId}
        onRun={run}
        onCancel={() => void job.cancel()}
        onPick={(id) => {
          setRunId(id);
          setSelected(null);
        }}
      >
        <LivePartial api={api} jobId={job.progress?.jobId ?? null} />
      </RunPanel>
      {error && (
        <section className="card error" role="alert">
          <code>{error.code}</code> {error.message}
        </section>
      )}
      {result && (
        <section className="card">
          <h2>
            {tracks ? (
              <>
                <strong data-testid="track-count">{tracks.tracks.length}</strong> objects “{result.run.query}”
              </>
            ) : (
              <>
                Run #{result.run.id} is {result.run.status}
              </>
            )}
          </h2>
          <p className="muted small">
            {result.run.windowsDone}/{result.run.windowsTotal} windows answered · {result.run.windowsMalformed}{' '}
            malformed · {result.run.windowsFailed} failed
            {tracks
              ? ` · ${tracks.decisions.filter((d) => d.reason !== 'new').length} stitches · ${tracks.corrections.length} corrections`
              : ''}
          </p>
          <VideoPlayer ref={player} recordingId={result.run.recordingId} startAt={result.run.start} onTime={setTime}>
            {tracks && (
              <TrackOverlay model={model} time={time} selectedId={selected} frame={result.run.frame} tolerance={0.5} />
            )}
          </VideoPlayer>
          {tracks && (
            <>
              <TrackTimeline
                model={model}
                time={time}
                selectedId={selected}
                range={range}
                onSeek={seek}
                onSelect={setSelected}
              />
              <TrackEditBar
                model={model}
                sel={sel}
                time={time}
                canUndo={tracks.corrections.length > 0}
                edit={edit}
                undo={() => void undo()}
              />
              {sel && (
                <StitchDecisions
                  tracks={tracks}
                  trackId={sel.id}
                  onSeek={seek}
                  onUnstitch={(s) => void edit({ kind: 'unstitch', ...s })}
                />
              )}
              {editError && (
                <p className="bad" role="alert">
                  <code>{editError.code}</code> {editError.message}
                </p>
              )}
              <ul className="objects" aria-label="objects">
                {model.lanes.map((l) => (
                  <li key={l.id}>
                    <button
                      type="button"
                      data-testid="object"
                      data-id={l.id}
                      className={l.id === selected ? 'active' : undefined}
                      onClick={() => {
                        setSelected(l.id);
                        const t0 = l.t[0];
                        if (t0 !== undefined) seek(t0);
                      }}
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
              <ExportBar api={api} runId={result.run.id} kind="track" formats={['csv', 'json', 'mot', 'case']} />
            </>
          )}
          <WindowList windows={result.windows} onSeek={seek} all={!tracks} />
        </section>
      )}
    </div>
  );
}
