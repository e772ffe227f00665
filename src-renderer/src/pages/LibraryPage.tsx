// Library: open or create a library file, import footage, see every recording (status, reason, duration, indexing
// counts, thumbnail), index with a tier choice and follow the job live (progress, ETA, controls, the caption being written).
import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import type { MolmoscopeBridge } from '../api/client.js';
import type { ApiError } from '../../../src-main/api/errors.js';
import type { Recording } from '../../../src-main/api/ops/library.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { LivePartial } from '../components/LivePartial.js';
import { JobProgress, type JobState } from '../components/JobProgress.js';
import { clock, fileName } from '../components/format.js';
import { pathsFromDrop, pathsFromText } from '../components/import-paths.js';
import { ActiveModel } from '../components/ActiveModel.js';

type ImportSummary = { counts: Record<string, number>; rejected: Array<{ path: string; code?: string; reason?: string }>; missing: number };

/** The Library page. */
export function LibraryPage({ api }: { api: MolmoscopeBridge }) {
  const [libPath, setLibPath] = useState('');
  const [openPath, setOpenPath] = useState<string | null>(null);
  const [importText, setImportText] = useState('');
  const [recs, setRecs] = useState<Recording[]>([]);
  const [summary, setSummary] = useState<ImportSummary | null>(null);
  const [job, setJob] = useState<JobState | null>(null);
  const [tier, setTier] = useState<'dense' | 'short'>('dense');
  const [windowLength, setWindowLength] = useState('63.5');
  const [overlap, setOverlap] = useState('8');
  const [busy, setBusy] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const jobRef = useRef<number | null>(null);

  const refresh = useCallback(async () => {
    const r = await api.ops['library.recordings']({});
    if (r.ok) setRecs(r.value.recordings);
    else if (r.error.code !== 'LIBRARY_NOT_OPEN') setError(r.error);
  }, [api]);

  // The library the host opened at start (serve --library), and a job already under way.
  useEffect(() => {
    void (async () => {
      const info = await api.ops['app.info']({});
      if (info.ok && info.value.paths.library) {
        setOpenPath(info.value.paths.library);
        setLibPath(info.value.paths.library);
        await refresh();
        const jobs = await api.ops['jobs.list']({ kind: 'index', limit: 1 });
        const j = jobs.ok ? jobs.value.jobs[0] : undefined;
        if (j) {
          jobRef.current = j.id;
          setJob({ jobId: j.id, kind: j.kind, status: j.status, done: j.done, total: j.total, etaSeconds: null, ...(j.errorCode ? { errorCode: j.errorCode } : {}), ...(j.errorMessage ? { message: j.errorMessage } : {}) });
        }
      }
    })();
  }, [api, refresh]);

  // Live progress; the recordings' counts are re-read at most every 2 s and when the job ends.
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

  const run = async <T,>(what: string, f: () => Promise<{ ok: true; value: T } | { ok: false; error: ApiError }>): Promise<T | null> => {
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

  const open = async () => {
    const v = await run('open', () => api.ops['library.open']({ path: libPath.trim(), create: true }));
    if (v) {
      setOpenPath(v.path);
      setSummary(null);
      setJob(null);
      jobRef.current = null;
      await refresh();
    }
  };

  const importPaths = async (paths: string[]) => {
    if (paths.length === 0) return;
    const v = await run('import', () => api.ops['library.import']({ paths }));
    if (v) {
      setSummary({ counts: v.counts, rejected: v.results.filter((r) => r.action === 'rejected'), missing: v.missing });
      await refresh();
    }
  };

  const doImport = () => importPaths(pathsFromText(importText));

  // Desktop only: the native open dialog (files or folders); the chosen paths are imported at once.
  const pick = async (kind: 'files' | 'folders') => {
    if (!api.pickPaths) return;
    const v = await run('pick', () => api.pickPaths!({ kind }));
    if (v) await importPaths(v.paths);
  };

  // Files and folders dropped anywhere on the page are imported into the open library.
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
      setError({ code: 'INVALID_INPUT', message: api.pathForFile ? 'Nothing in the drop has a local path.' : 'A browser does not see the paths of dropped files: drop a path as text, or type it.' });
      return;
    }
    void importPaths(paths);
  };

  const index = async () => {
    const v = await run('index', () => api.ops['library.index']({ tier, windowLength: Number(windowLength), overlap: Number(overlap) }));
    if (v) {
      jobRef.current = v.id;
      setJob({ jobId: v.id, kind: v.kind, status: v.status, done: v.done, total: v.total, etaSeconds: null });
    }
  };

  const control = async (what: 'jobs.pause' | 'jobs.resume' | 'jobs.cancel') => {
    if (!job) return;
    const v = await run(what, () => api.ops[what]({ id: job.jobId }));
    if (v) setJob((j) => (j && j.jobId === v.id ? { ...j, status: v.status, done: v.done, total: v.total, ...(v.errorCode ? { errorCode: v.errorCode } : {}) } : j));
  };

  const ready = recs.filter((r) => r.status === 'ready');
  return (
    <div className={`stack${dragging ? ' dropping' : ''}`} data-testid="page-library" onDragOver={onDragOver} onDragLeave={() => setDragging(false)} onDrop={onDrop}>
      <ActiveModel api={api} />
      <section className="card">
        <h2>Library file</h2>
        <p className="muted small">Add folders of video to a library: one SQLite file holding your recordings, their captions and jobs.</p>
        <div className="row">
          <input type="text" aria-label="Library file" placeholder="/path/to/footage.molmoscope.db" value={libPath} onChange={(e) => setLibPath(e.target.value)} />
          <button type="button" onClick={() => void open()} disabled={!libPath.trim() || busy !== null}>{busy === 'open' ? 'Opening…' : 'Open or create'}</button>
        </div>
        {openPath ? <p className="small" data-testid="open-library">Open: <code>{openPath}</code></p> : <p className="small muted">No library is open.</p>}
      </section>

      <ErrorNote error={error} />

      {openPath ? (
        <section className="card">
          <h2>Import footage</h2>
          <p className="muted small">Drop files or folders anywhere on this page{api.pickPaths ? ', choose them, ' : ' '}or type their paths, one per line (Ctrl+Enter imports).</p>
          <div className="row">
            <textarea aria-label="Paths to import" rows={3} placeholder={'/media/footage\n/media/clip.mp4'} value={importText} onChange={(e) => setImportText(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); void doImport(); } }} />
            <button type="button" onClick={() => void doImport()} disabled={!importText.trim() || busy !== null}>{busy === 'import' ? 'Importing…' : 'Import'}</button>
            {api.pickPaths ? <button type="button" onClick={() => void pick('files')} disabled={busy !== null}>Choose files…</button> : null}
            {api.pickPaths ? <button type="button" onClick={() => void pick('folders')} disabled={busy !== null}>Choose folders…</button> : null}
          </div>
          {summary ? (
            <div className="small" data-testid="import-summary">
              <p>{summary.counts.added ?? 0} added, {summary.counts.duplicate ?? 0} duplicates, {summary.counts.unchanged ?? 0} unchanged, {summary.counts.rejected ?? 0} rejected</p>
              {summary.missing ? <p>{summary.missing} recording(s) of this library are no longer where they were: marked missing (import them from their new place to restore them).</p> : null}
              {summary.rejected.length ? (
                <ul>{summary.rejected.map((r) => <li key={r.path}><code>{r.code}</code> {fileName(r.path)} — {r.reason}</li>)}</ul>
              ) : null}
            </div>
          ) : null}
        </section>
      ) : null}

      {openPath ? (
        <section className="card">
          <h2>Index for search</h2>
          <div className="row">
            <label className="field">Caption tier
              <select aria-label="Caption tier" value={tier} onChange={(e) => setTier(e.target.value as 'dense' | 'short')}>
                <option value="dense">dense (detailed, default)</option>
                <option value="short">short (faster)</option>
              </select>
            </label>
            <label className="field">Window (s)<input type="number" aria-label="Window length" min={1} step={0.5} value={windowLength} onChange={(e) => setWindowLength(e.target.value)} /></label>
            <label className="field">Overlap (s)<input type="number" aria-label="Window overlap" min={0} step={0.5} value={overlap} onChange={(e) => setOverlap(e.target.value)} /></label>
            <button type="button" onClick={() => void index()} disabled={busy !== null || ready.length === 0 || job?.status === 'running' || job?.status === 'queued'}>Index</button>
          </div>
          {job ? <JobProgress job={job} onPause={() => void control('jobs.pause')} onResume={() => void control('jobs.resume')} onCancel={() => void control('jobs.cancel')} /> : null}
          <LivePartial api={api} jobId={job?.jobId ?? null} />
        </section>
      ) : null}

      {openPath ? (
        <section className="card">
          <h2>Recordings ({recs.length})</h2>
          {recs.length === 0 ? <p className="muted">Nothing imported yet.</p> : (
            <table className="recs" data-testid="recordings">
              <thead><tr><th /><th>Recording</th><th>Status</th><th>Duration</th><th>Windows</th><th>Captions</th></tr></thead>
              <tbody>
                {recs.map((r) => (
                  <tr key={r.id} data-status={r.status}>
                    <td>{r.status === 'ready' ? <img className="thumb" alt="" loading="lazy" src={api.thumbnailUrl(r.id, Math.min(1, (r.durationSeconds ?? 0) / 2), 192)} /> : null}</td>
                    <td title={r.path}>{fileName(r.path)}{r.reason ? <div className="muted small"><code>{r.reasonCode}</code> {r.reason}</div> : null}</td>
                    <td><span className={`pill ${r.status === 'ready' ? 'good' : 'bad'}`}>{r.status}</span></td>
                    <td>{r.durationSeconds !== null ? clock(r.durationSeconds) : '–'}</td>
                    <td>{r.windows}</td>
                    <td>{r.captions}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ) : null}
    </div>
  );
}
