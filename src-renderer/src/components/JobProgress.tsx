// One job's live state from job.progress events: a progress bar with % and ETA, pause/resume/cancel, its error.
import type { EventPayload } from '../../../src-main/api/contract.js';
import { eta } from './format.js';

export type JobState = EventPayload<'job.progress'>;

/** The bar and controls for `job`; the buttons call back, the parent talks to the bridge. */
export function JobProgress({
  job,
  onPause,
  onResume,
  onCancel,
  unit = 'windows',
}: {
  job: JobState;
  onPause(): void;
  onResume(): void;
  onCancel(): void;
  unit?: string;
}) {
  const pct = job.total > 0 ? Math.floor((100 * job.done) / job.total) : job.status === 'done' ? 100 : 0;
  const live = job.status === 'running' || job.status === 'queued';
  return (
    <div className="job" data-testid="job-progress" data-status={job.status}>
      <div className="job-head">
        <strong>
          {job.kind === 'index' ? 'Indexing' : job.kind} #{job.jobId}
        </strong>
        <span
          className={`pill ${job.status === 'done' ? 'good' : job.status === 'failed' ? 'bad' : 'warn'}`}
          data-testid="job-status"
        >
          {job.status}
        </span>
        <span data-testid="job-percent">{pct} %</span>
        <span className="muted small">
          {job.done}/{job.total} {unit}
          {job.status === 'running' ? ` · ${eta(job.etaSeconds)}` : ''}
        </span>
      </div>
      <div
        className="bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-label="indexing progress"
      >
        <div style={{ width: `${pct}%` }} />
      </div>
      {job.errorCode || (job.message && job.status !== 'running') ? (
        <p className="small job-error" role={job.errorCode ? 'alert' : undefined}>
          {job.errorCode ? <code>{job.errorCode}</code> : null} {job.message}
        </p>
      ) : null}
      <div className="row">
        {live ? (
          <button type="button" onClick={onPause}>
            Pause
          </button>
        ) : null}
        {job.status === 'paused' || job.status === 'failed' ? (
          <button type="button" onClick={onResume}>
            Resume
          </button>
        ) : null}
        {live || job.status === 'paused' ? (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </div>
  );
}
