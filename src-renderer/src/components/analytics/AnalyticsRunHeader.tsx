// The top of the Count and Track pages: the active model, a hint when no library is open, the run panel with the
// running window's live answer, the re-run/compare bar of the picked run, and the page's error.
import type { Recording } from '../../../../src-main/api/ops/library.js';
import type { RunDto } from '../../../../src-main/api/ops/analytics.js';
import type { ApiError } from '../../../../src-main/api/errors.js';
import type { MolmoscopeBridge } from '../../api/client.js';
import { ActiveModel } from '../ActiveModel.js';
import { LivePartial } from '../LivePartial.js';
import { RunPanel } from './RunPanel.js';
import { RerunCompareBar } from './RunCompare.js';
import type { RerunRequest, RunKind, RunProgress, RunRequest } from './run-types.js';

/** What the header reads from a page's state hook (useCountPage, useTrackPage). */
export interface AnalyticsRunState {
  library: unknown;
  recordings: Recording[];
  job: { jobId: number | null; progress: RunProgress | null; error: ApiError | null; cancel(): Promise<unknown> };
  recError: ApiError | null;
  runs: RunDto[];
  runId: number | null;
  /** Queues a run from the form, or an earlier run again on the other model. */
  run(req: RunRequest | RerunRequest): void;
  pickRun(runId: number | null): void;
  error: ApiError | null;
}

export function AnalyticsRunHeader({ api, kind, s }: { api: MolmoscopeBridge; kind: RunKind; s: AnalyticsRunState }) {
  return (
    <>
      <ActiveModel api={api} />
      {s.library === null && (
        <p className="card muted" data-testid="no-library">
          No library is open: open or create one on the Library page (or start with <code>--library DB</code>), import
          recordings, then {kind} here.
        </p>
      )}
      <RunPanel
        kind={kind}
        recordings={s.recordings}
        running={s.job.jobId !== null}
        progress={s.job.progress}
        error={s.job.error ?? s.recError}
        runs={s.runs}
        runId={s.runId}
        onRun={s.run}
        onCancel={() => void s.job.cancel()}
        onPick={s.pickRun}
      >
        <LivePartial api={api} jobId={s.job.progress?.jobId ?? null} />
      </RunPanel>
      <RerunCompareBar
        api={api}
        kind={kind}
        runs={s.runs}
        runId={s.runId}
        running={s.job.jobId !== null}
        onRerun={s.run}
      />
      {s.error && (
        <section className="card error" role="alert">
          <code>{s.error.code}</code> {s.error.message}
        </section>
      )}
    </>
  );
}
