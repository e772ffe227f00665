// Count: a query over a recording (or a range of it) run as a job with progress/ETA/cancel; the result is the
// de-duplicated total, per-window counts, malformed windows with reasons, and every instance as evidence (crop
// thumbnail around the point); clicking an instance seeks the player there and draws the point on the video.
import { InstanceVerdict, useVerdicts } from '../components/finetune/InstanceVerdict.js';
import { useRef, useState } from 'react';
import type { MolmoscopeBridge } from '../api/client.js';
import { VideoPlayer, type VideoPlayerHandle } from '../components/VideoPlayer.js';
import { LivePartial } from '../components/LivePartial.js';
import { RunPanel } from '../components/analytics/RunPanel.js';
import { WindowList } from '../components/analytics/WindowList.js';
import { ExportBar } from '../components/analytics/ExportBar.js';
import {
  fmtTime,
  useOpenLibrary,
  useRecordings,
  useRunJob,
  useRunResult,
} from '../components/analytics/use-analytics.js';
import type { CountResultDto } from '../../../src-main/api/ops/analytics.js';
import './analytics.css';
import { ActiveModel } from '../components/ActiveModel.js';

type Sighting = CountResultDto['instances'][number]['evidence'][number];

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

/** The Count page. */
// eslint-disable-next-line max-lines-per-function -- over 80 only since Prettier's line breaks (2026-12-07); to be split along its steps
export function CountPage({ api }: { api: MolmoscopeBridge }) {
  const library = useOpenLibrary(api);
  const { recordings, error: recError } = useRecordings(api, !!library);
  const { runs, runId, setRunId, job, run } = useRunJob(api, 'count', !!library);
  const { result, error } = useRunResult(api, runId);
  const [picked, setPicked] = useState<{ instance: number; s: Sighting } | null>(null);
  const verdicts = useVerdicts(api, runId, result?.run.status === 'done');
  const player = useRef<VideoPlayerHandle>(null);
  const pick = (id: number | null) => {
    setRunId(id);
    setPicked(null);
  };
  const count = result?.count ?? null;
  const frame = result?.run.frame;
  const maxPer = Math.max(1, ...(count?.perWindow.map((w) => w.count) ?? [1]));

  return (
    <div className="stack analytics" data-testid="page-count">
      <ActiveModel api={api} />
      {library === null && (
        <p className="card muted" data-testid="no-library">
          No library is open: open or create one on the Library page (or start with <code>--library DB</code>), import
          recordings, then count here.
        </p>
      )}
      <RunPanel
        kind="count"
        recordings={recordings}
        running={job.jobId !== null}
        progress={job.progress}
        error={job.error ?? recError}
        runs={runs}
        runId={runId}
        onRun={run}
        onCancel={() => void job.cancel()}
        onPick={pick}
      >
        <LivePartial api={api} jobId={job.progress?.jobId ?? null} />
      </RunPanel>
      {error && (
        <section className="card error" role="alert">
          <code>{error.code}</code> {error.message}
        </section>
      )}
      {result && (
        <div className="result-grid">
          <section className="card">
            <h2>
              {count ? (
                <>
                  Total <strong data-testid="count-total">{count.total}</strong> “{result.run.query}”
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
              {count ? ` · ${count.matches.length} sightings matched across overlaps` : ''}
            </p>
            <VideoPlayer ref={player} recordingId={result.run.recordingId} startAt={picked?.s.t}>
              {picked && frame && (
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
              )}
            </VideoPlayer>
            {count && count.perWindow.length > 0 && (
              <div className="per-window" aria-label="per-window counts">
                {count.perWindow.map((w) => (
                  <button
                    type="button"
                    key={w.window}
                    title={`${fmtTime(w.start)}–${fmtTime(w.end)}: ${w.count}`}
                    onClick={() => player.current?.seek(w.start)}
                  >
                    <span className="bar" style={{ height: `${(100 * w.count) / maxPer}%` }} />
                    <span className="small">{w.count}</span>
                  </button>
                ))}
              </div>
            )}
          </section>
          <section className="card">
            <h2>Instances</h2>
            {count && count.instances.length === 0 && <p className="muted">No instance was found.</p>}
            <ul className="instances">
              {count?.instances.map((inst) => {
                const s = inst.evidence[0];
                if (!s) return null; // the contract's instances carry at least one sighting
                return (
                  <li key={inst.id}>
                    <button
                      type="button"
                      data-testid="instance"
                      data-instance={inst.id}
                      className={picked?.instance === inst.id ? 'active' : undefined}
                      onClick={() => {
                        setPicked({ instance: inst.id, s });
                        player.current?.seek(s.t);
                      }}
                    >
                      <Crop api={api} recordingId={result.run.recordingId} s={s} frameW={frame!.width} />
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
              })}
            </ul>
            {count && <ExportBar api={api} runId={result.run.id} kind="count" formats={['csv', 'json']} />}
            <WindowList windows={result.windows} onSeek={(t) => player.current?.seek(t)} all={!count} />
          </section>
        </div>
      )}
    </div>
  );
}
