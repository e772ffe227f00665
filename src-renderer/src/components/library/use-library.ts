// Hooks of the Library page: one call at a time with its error, the open library's recordings, the library file the
// host opened, imports, drag and drop onto the page, and the index job followed through job.progress events.
import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import type { MolmoscopeBridge } from '../../api/client.js';
import type { ApiError } from '../../../../src-main/api/errors.js';
import type { Recording } from '../../../../src-main/api/ops/library.js';
import type { JobState } from '../JobProgress.js';
import { pathsFromDrop } from '../import-paths.js';

type Answer<T> = { ok: true; value: T } | { ok: false; error: ApiError };
/** Runs one call, marking the page busy with `what` meanwhile; an error answer is shown and gives null. */
export type RunCall = <T>(what: string, f: () => Promise<Answer<T>>) => Promise<T | null>;
export type ImportSummary = {
  counts: Record<string, number>;
  rejected: Array<{ path: string; code?: string; reason?: string }>;
  missing: number;
};

/** The page's busy marker, its error, and `run` that sets both around one call. */
export function useBusyCall() {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const run: RunCall = async (what, f) => {
    setBusy(what);
    setError(null);
    try {
      const r = await f();
      if (!r.ok) {
        setError(r.error);
        return null;
      }
      return r.value;
    } finally {
      setBusy(null);
    }
  };
  return { busy, error, setError, run };
}

/** Every recording of the open library; `refresh` re-reads them (no library open is not an error). */
export function useLibraryRecordings(api: MolmoscopeBridge, setError: (e: ApiError) => void) {
  const [recs, setRecs] = useState<Recording[]>([]);
  const refresh = useCallback(async () => {
    const r = await api.ops['library.recordings']({});
    if (r.ok) setRecs(r.value.recordings);
    else if (r.error.code !== 'LIBRARY_NOT_OPEN') setError(r.error);
  }, [api, setError]);
  return { recs, refresh };
}

/** The index job shown: live progress (the recordings' counts re-read at most every 2 s and when it ends), start, controls. */
export function useIndexJob(api: MolmoscopeBridge, refresh: () => Promise<void>, run: RunCall) {
  const [job, setJob] = useState<JobState | null>(null);
  const jobRef = useRef<number | null>(null);
  const follow = useCallback((j: JobState | null) => {
    jobRef.current = j?.jobId ?? null;
    setJob(j);
  }, []);
  useEffect(() => {
    let last = 0;
    return api.on('job.progress', (p) => {
      if (p.kind !== 'index' || (jobRef.current !== null && p.jobId !== jobRef.current)) return;
      jobRef.current = p.jobId;
      setJob(p);
      const now = Date.now();
      if (p.status !== 'running' || now - last > 2000) {
        last = now;
        void refresh();
      }
    });
  }, [api, refresh]);
  const index = async (req: { tier: 'dense' | 'short'; windowLength: number; overlap: number }) => {
    const v = await run('index', () => api.ops['library.index'](req));
    if (v) follow({ jobId: v.id, kind: v.kind, status: v.status, done: v.done, total: v.total, etaSeconds: null });
  };
  const control = async (what: 'jobs.pause' | 'jobs.resume' | 'jobs.cancel') => {
    if (!job) return;
    const v = await run(what, () => api.ops[what]({ id: job.jobId }));
    if (v)
      setJob((j) =>
        j && j.jobId === v.id
          ? { ...j, status: v.status, done: v.done, total: v.total, ...(v.errorCode ? { errorCode: v.errorCode } : {}) }
          : j,
      );
  };
  return { job, follow, index, control };
}

/** The library the host opened at start (serve --library), and an index job already under way in it. */
export function useHostLibrary(api: MolmoscopeBridge, refresh: () => Promise<void>, follow: (j: JobState) => void) {
  const [libPath, setLibPath] = useState('');
  const [openPath, setOpenPath] = useState<string | null>(null);
  useEffect(() => {
    void (async () => {
      const info = await api.ops['app.info']({});
      if (!info.ok || !info.value.paths.library) return;
      setOpenPath(info.value.paths.library);
      setLibPath(info.value.paths.library);
      await refresh();
      const jobs = await api.ops['jobs.list']({ kind: 'index', limit: 1 });
      const j = jobs.ok ? jobs.value.jobs[0] : undefined;
      if (j) {
        follow({
          jobId: j.id,
          kind: j.kind,
          status: j.status,
          done: j.done,
          total: j.total,
          etaSeconds: null,
          ...(j.errorCode ? { errorCode: j.errorCode } : {}),
          ...(j.errorMessage ? { message: j.errorMessage } : {}),
        });
      }
    })();
  }, [api, refresh, follow]);
  return { libPath, setLibPath, openPath, setOpenPath };
}

/** Imports paths into the open library and keeps the last import's summary. */
export function useImports(api: MolmoscopeBridge, refresh: () => Promise<void>, run: RunCall) {
  const [summary, setSummary] = useState<ImportSummary | null>(null);
  const importPaths = async (paths: string[]) => {
    if (paths.length === 0) return;
    const v = await run('import', () => api.ops['library.import']({ paths }));
    if (v) {
      setSummary({ counts: v.counts, rejected: v.results.filter((r) => r.action === 'rejected'), missing: v.missing });
      await refresh();
    }
  };
  // Desktop only: the native open dialog (files or folders); the chosen paths are imported at once.
  const pick = async (kind: 'files' | 'folders') => {
    const pickPaths = api.pickPaths;
    if (!pickPaths) return;
    const v = await run('pick', () => pickPaths({ kind }));
    if (v) await importPaths(v.paths);
  };
  return { summary, setSummary, importPaths, pick };
}

/** Files and folders dropped anywhere on the page are imported into the open library. */
export function useDropImport(
  api: MolmoscopeBridge,
  openPath: string | null,
  importPaths: (paths: string[]) => Promise<void>,
  setError: (e: ApiError) => void,
) {
  const [dragging, setDragging] = useState(false);
  const onDragOver = (e: DragEvent) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = openPath ? 'copy' : 'none';
    setDragging(true);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (!openPath) {
      setError({ code: 'LIBRARY_NOT_OPEN', message: 'Open or create a library first, then drop footage on the page.' });
      return;
    }
    const paths = pathsFromDrop(e.dataTransfer, api.pathForFile);
    if (paths.length === 0) {
      setError({
        code: 'INVALID_INPUT',
        message: api.pathForFile
          ? 'Nothing in the drop has a local path.'
          : 'A browser does not see the paths of dropped files: drop a path as text, or type it.',
      });
      return;
    }
    void importPaths(paths);
  };
  return { dragging, onDragOver, onDragLeave: () => setDragging(false), onDrop };
}
