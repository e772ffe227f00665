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
import { fmtTime, useOpenLibrary, useRecordings, useRunJob, useRunResult } from '../components/analytics/use-analytics.js';
import { TrackTimeline } from '../components/timeline/TrackTimeline.js';
import { TrackOverlay } from '../components/timeline/TrackOverlay.js';
import { buildModel } from '../components/timeline/timeline-model.js';
import { laneColor } from '../components/timeline/timeline-draw.js';
import type { EditDto } from '../../../src-main/api/ops/analytics.js';
import type { ApiError } from '../../../src-main/api/errors.js';
import './analytics.css';
import { ActiveModel } from '../components/ActiveModel.js';

/** The Track page. */
export function TrackPage({ api }: { api: MolmoscopeBridge }) {
  const library = useOpenLibrary(api);
  const { recordings, error: recError } = useRecordings(api, !!library);
  const { runs, runId, setRunId, job, run } = useRunJob(api, 'track', !!library);
  const { result, error, setResult } = useRunResult(api, runId);
  const [time, setTime] = useState(0);
  const [selected, setSelected] = useState<number | null>(null);
  const [editError, setEditError] = useState<ApiError | null>(null);
  const [rename, setRename] = useState('');
  const [mergeWith, setMergeWith] = useState('');
  const player = useRef<VideoPlayerHandle>(null);

  const tracks = result?.tracks ?? null;
  const model = useMemo(() => buildModel(tracks?.tracks ?? []), [tracks]);
  const range = useMemo(() => ({ start: result?.run.start ?? 0, end: Math.max((result?.run.start ?? 0) + 1, result?.run.end ?? 1) }), [result]);
  const seek = useCallback((t: number) => { setTime(t); player.current?.seek(t); }, []);
  const sel = model.lanes.find((l) => l.id === selected) ?? null;

  const edit = async (e: EditDto) => {
    if (!result) return;
    setEditError(null);
    const r = await api.ops['analytics.correct']({ runId: result.run.id, edit: e });
    if (!r.ok) return setEditError(r.error);
    setResult({ ...result, tracks: r.value.tracks });
    if (e.kind === 'merge' || e.kind === 'delete') setMergeWith('');
    if (e.kind === 'delete') setSelected(null);
  };
  const undo = async () => {
    const last = tracks?.corrections[tracks.corrections.length - 1];
    if (!result || !last) return;
    const r = await api.ops['analytics.undo']({ runId: result.run.id, correctionId: last.id });
    if (!r.ok) return setEditError(r.error);
    setResult({ ...result, tracks: r.value.tracks });
  };
  return (
    <div className="stack analytics" data-testid="page-track">
      <ActiveModel api={api} />
      {library === null && <p className="card muted" data-testid="no-library">No library is open: open or create one on the Library page (or start with <code>--library DB</code>), import recordings, then track here.</p>}
      <RunPanel kind="track" recordings={recordings} running={job.jobId !== null} progress={job.progress} error={job.error ?? recError}
        runs={runs} runId={runId} onRun={run} onCancel={() => void job.cancel()} onPick={(id) => { setRunId(id); setSelected(null); }}>
        <LivePartial api={api} jobId={job.progress?.jobId ?? null} />
      </RunPanel>
      {error && <section className="card error" role="alert"><code>{error.code}</code> {error.message}</section>}
      {result && (
        <section className="card">
          <h2>{tracks ? <><strong data-testid="track-count">{tracks.tracks.length}</strong> objects “{result.run.query}”</> : <>Run #{result.run.id} is {result.run.status}</>}</h2>
          <p className="muted small">
            {result.run.windowsDone}/{result.run.windowsTotal} windows answered · {result.run.windowsMalformed} malformed · {result.run.windowsFailed} failed
            {tracks ? ` · ${tracks.decisions.filter((d) => d.reason !== 'new').length} stitches · ${tracks.corrections.length} corrections` : ''}
          </p>
          <VideoPlayer ref={player} recordingId={result.run.recordingId} startAt={result.run.start} onTime={setTime}>
            {tracks && <TrackOverlay model={model} time={time} selectedId={selected} frame={result.run.frame} tolerance={0.5} />}
          </VideoPlayer>
          {tracks && (
            <>
              <TrackTimeline model={model} time={time} selectedId={selected} range={range} onSeek={seek} onSelect={setSelected} />
              <div className="edit-bar" aria-label="edit tracks">
                <span className="small">{sel ? <>Selected <strong data-testid="selected-id">{sel.id}</strong> {sel.label}</> : 'Select a lane or an object'} · playhead {fmtTime(time)}</span>
                <input aria-label="new label" value={rename} onChange={(e) => setRename(e.target.value)} placeholder="label" disabled={!sel} />
                <button type="button" disabled={!sel || !rename.trim()} onClick={() => sel && void edit({ kind: 'rename', trackId: sel.id, label: rename.trim() })}>Rename</button>
                <select aria-label="merge with" value={mergeWith} onChange={(e) => setMergeWith(e.target.value)} disabled={!sel}>
                  <option value="">merge with…</option>
                  {model.lanes.filter((l) => l.id !== selected).map((l) => <option key={l.id} value={l.id}>{l.id} {l.label}</option>)}
                </select>
                <button type="button" disabled={!sel || !mergeWith} onClick={() => sel && void edit({ kind: 'merge', keepId: sel.id, mergeId: Number(mergeWith) })}>Merge</button>
                <button type="button" disabled={!sel} onClick={() => sel && void edit({ kind: 'split', trackId: sel.id, at: time })}>Split at playhead</button>
                <button type="button" disabled={!sel} onClick={() => sel && void edit({ kind: 'delete', trackId: sel.id })}>Delete</button>
                <button type="button" disabled={!tracks.corrections.length} onClick={() => void undo()}>Undo</button>
              </div>
              {sel && <StitchDecisions tracks={tracks} trackId={sel.id} onSeek={seek} onUnstitch={(s) => void edit({ kind: 'unstitch', ...s })} />}
              {editError && <p className="bad" role="alert"><code>{editError.code}</code> {editError.message}</p>}
              <ul className="objects" aria-label="objects">
                {model.lanes.map((l) => (
                  <li key={l.id}>
                    <button type="button" data-testid="object" data-id={l.id} className={l.id === selected ? 'active' : undefined} onClick={() => { setSelected(l.id); if (l.t.length) seek(l.t[0]); }}>
                      <span className="swatch" style={{ background: laneColor(l.id) }} />{l.id} {l.label} <span className="muted small">{fmtTime(l.t[0] ?? 0)}–{fmtTime(l.t[l.t.length - 1] ?? 0)} · {l.spans.length / 2} span{l.spans.length > 2 ? 's' : ''}</span>
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
