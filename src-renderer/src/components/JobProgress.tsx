// One job's live state from job.progress events: a progress bar with % and ETA, pause/resume/cancel, its error.
import type { EventPayload } from '../../../src-main/api/contract.js';
import { eta } from './format.js';
import { percentDone, ProgressCard } from './ProgressCard.js';

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
  const live = job.status === 'running' || job.status === 'queued';
  const showsError = job.errorCode || (job.message && job.status !== 'running');
  return (
    <ProgressCard
      testId={{ card: 'job-progress', part: 'job' }}
      status={job.status}
      pct={percentDone(job.done, job.total, job.status)}
      title={
        <>
          {job.kind === 'index' ? 'Indexing' : job.kind} #{job.jobId}
        </>
      }
      detail={
        <>
          {job.done}/{job.total} {unit}
          {job.status === 'running' ? ` · ${eta(job.etaSeconds)}` : ''}
        </>
      }
      barLabel="indexing progress"
      error={showsError ? { code: job.errorCode ?? null, message: job.message, alert: Boolean(job.errorCode) } : null}
      controls={{
        onPause: live ? onPause : undefined,
        onResume: job.status === 'paused' || job.status === 'failed' ? onResume : undefined,
        onCancel: live || job.status === 'paused' ? onCancel : undefined,
      }}
    />
  );
}
