// Hooks shared by the Count and Track pages: ready recordings, the runs of a kind, one run's result, and a queued
// job followed through job.progress events (progress, ETA, cancel) until it ends.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { MolmoscopeBridge } from '../../api/client.js';
import type { ApiError } from '../../../../src-main/api/errors.js';
import type { OpResponse } from '../../../../src-main/api/contract.js';
import type { Result } from '../../../../src-main/api/envelope.js';
import type { Recording } from '../../../../src-main/api/ops/library.js';
import type { RunDto, RunResultDto } from '../../../../src-main/api/ops/analytics.js';
import type { RerunRequest, RunKind, RunProgress, RunRequest } from './run-types.js';

/** The open library's path (from app.info), null when none is open, undefined while asking. */
export function useOpenLibrary(api: MolmoscopeBridge): string | null | undefined {
  const [path, setPath] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void api.ops['app.info']({}).then((r) => {
      if (live) setPath(r.ok ? r.value.paths.library : null);
    });
    return () => {
      live = false;
    };
  }, [api]);
  return path;
}

/** Ready recordings of the open library (asked only once a library is known to be open). */
export function useRecordings(api: MolmoscopeBridge, open: boolean) {
  const [recordings, setRecordings] = useState<Recording[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    if (!open) return;
    let live = true;
    void api.ops['library.recordings']({ status: 'ready' }).then((r) => {
      if (!live) return;
      if (r.ok) setRecordings(r.value.recordings);
      else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [api, open]);
  return { recordings, error };
}

/** Runs of one kind, newest first; `reload` after a job ends. */
export function useRuns(api: MolmoscopeBridge, kind: RunKind, open: boolean) {
  const [runs, setRuns] = useState<RunDto[]>([]);
  const reload = useCallback(async () => {
    if (!open) return [];
    const r = await api.ops['analytics.runs']({ kind });
    if (r.ok) setRuns(r.value.runs);
    return r.ok ? r.value.runs : [];
  }, [api, kind, open]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { runs, reload };
}

/** One run's result (windows, count or corrected tracks); `set` replaces it after an edit. */
export function useRunResult(api: MolmoscopeBridge, runId: number | null) {
  const [result, setResult] = useState<RunResultDto | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    setResult(null);
    setError(null);
    if (runId === null) return;
    let live = true;
    void api.ops['analytics.result']({ runId }).then((r) => {
      if (!live) return;
      if (r.ok) setResult(r.value);
      else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [api, runId]);
  return { result, error, setResult, setError };
}

/** Queues a job and follows it; `onEnd` gets the job id when it reaches a final or paused state. */
export function useJob(api: MolmoscopeBridge, onEnd: (jobId: number, p: RunProgress) => void) {
  const [jobId, setJobId] = useState<number | null>(null);
  const [progress, setProgress] = useState<RunProgress | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const jobRef = useRef<number | null>(null);
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;
  useEffect(
    () =>
      api.on('job.progress', (p) => {
        if (p.jobId !== jobRef.current) return;
        setProgress(p);
        if (p.status !== 'running' && p.status !== 'queued') {
          jobRef.current = null;
          setJobId(null);
          onEndRef.current(p.jobId, p);
        }
      }),
    [api],
  );
  /** Queues through `queue` (analytics.queue or analytics.rerun) and follows the job it answers with. */
  const start = useCallback(
    async (kind: RunKind, queue: () => Promise<Result<{ job: OpResponse<'analytics.queue'>['job'] }>>) => {
      setError(null);
      setProgress(null);
      const r = await queue();
      if (!r.ok) {
        setError(r.error);
        return null;
      }
      jobRef.current = r.value.job.id;
      setJobId(r.value.job.id);
      setProgress({
        jobId: r.value.job.id,
        kind,
        status: 'queued',
        done: 0,
        total: r.value.job.total,
        etaSeconds: null,
      });
      return r.value;
    },
    [],
  );
  const cancel = useCallback(async () => {
    if (jobRef.current === null) return;
    const r = await api.ops['jobs.cancel']({ id: jobRef.current });
    if (!r.ok) setError(r.error);
  }, [api]);
  return { jobId, progress, error, start, cancel };
}

/** "m:ss.s" for a time in seconds. */
export function fmtTime(s: number): string {
  const m = Math.floor(s / 60);
  return `${m}:${(s - 60 * m).toFixed(1).padStart(4, '0')}`;
}

/** A Count/Track page's runs, the selected run, and `run(req)`, which queues a job and selects its run when it ends. */
export function useRunJob(api: MolmoscopeBridge, kind: RunKind, open: boolean) {
  const { runs, reload } = useRuns(api, kind, open);
  const [runId, setRunId] = useState<number | null>(null);
  const onEnd = useCallback(
    async (jobId: number) => {
      const rs = await reload();
      const mine = rs.find((r) => r.jobId === jobId);
      if (mine) setRunId(mine.id);
    },
    [reload],
  );
  const job = useJob(api, onEnd);
  /** Queues a new run from the form, or an earlier run again on the other model. */
  const run = (req: RunRequest | RerunRequest) =>
    void job.start(kind, () =>
      'rerunOf' in req
        ? api.ops['analytics.rerun']({
            runId: req.rerunOf,
            model: req.model,
            ...(req.adapterId !== undefined ? { adapterId: req.adapterId } : {}),
          })
        : api.ops['analytics.queue']({
            kind,
            query: req.query,
            scope: { recordingId: req.recordingId, start: req.start, end: req.end },
            settings: req.settings,
          }),
    );
  return { runs, runId, setRunId, job, run };
}

/**
 * What the Count and Track pages start from: the open library, its ready recordings, the runs of `kind` with the job
 * that makes them, and the picked run's result.
 */
export function useAnalyticsPage(api: MolmoscopeBridge, kind: RunKind) {
  const library = useOpenLibrary(api);
  const { recordings, error: recError } = useRecordings(api, !!library);
  const { runs, runId, setRunId, job, run } = useRunJob(api, kind, !!library);
  const { result, error, setResult } = useRunResult(api, runId);
  return { library, recordings, recError, runs, runId, setRunId, job, run, result, error, setResult };
}
