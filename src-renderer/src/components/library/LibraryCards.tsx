// The cards of the Library page: the library file, importing footage (with the last import's summary), indexing with
// its job, and the recordings table. They render what the page's hooks (use-library.ts) hold and call back.
import { useState } from 'react';
import type { MolmoscopeBridge } from '../../api/client.js';
import type { Recording } from '../../../../src-main/api/ops/library.js';
import { LivePartial } from '../LivePartial.js';
import { JobProgress, type JobState } from '../JobProgress.js';
import { clock, fileName } from '../format.js';
import { pathsFromText } from '../import-paths.js';
import type { ImportSummary } from './use-library.js';

/** Choose the library file to open or create. */
export function LibraryFileCard(p: {
  libPath: string;
  setLibPath(v: string): void;
  openPath: string | null;
  busy: string | null;
  onOpen(): void;
}) {
  return (
    <section className="card">
      <h2>Library file</h2>
      <p className="muted small">
        Add folders of video to a library: one SQLite file holding your recordings, their captions and jobs.
      </p>
      <div className="row">
        <input
          type="text"
          aria-label="Library file"
          placeholder="/path/to/footage.molmoscope.db"
          value={p.libPath}
          onChange={(e) => p.setLibPath(e.target.value)}
        />
        <button type="button" onClick={p.onOpen} disabled={!p.libPath.trim() || p.busy !== null}>
          {p.busy === 'open' ? 'Opening…' : 'Open or create'}
        </button>
      </div>
      {p.openPath ? (
        <p className="small" data-testid="open-library">
          Open: <code>{p.openPath}</code>
        </p>
      ) : (
        <p className="small muted">No library is open.</p>
      )}
    </section>
  );
}

/** Paths typed (Ctrl+Enter imports) or picked with the desktop dialog, and the last import's summary. */
export function ImportCard(p: {
  api: MolmoscopeBridge;
  busy: string | null;
  summary: ImportSummary | null;
  importPaths(paths: string[]): void;
  pick(kind: 'files' | 'folders'): void;
}) {
  const { api, busy, summary } = p;
  const [importText, setImportText] = useState('');
  const doImport = () => p.importPaths(pathsFromText(importText));
  return (
    <section className="card">
      <h2>Import footage</h2>
      <p className="muted small">
        Drop files or folders anywhere on this page{api.pickPaths ? ', choose them, ' : ' '}or type their paths, one per
        line (Ctrl+Enter imports).
      </p>
      <div className="row">
        <textarea
          aria-label="Paths to import"
          rows={3}
          placeholder={'/media/footage\n/media/clip.mp4'}
          value={importText}
          onChange={(e) => setImportText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              doImport();
            }
          }}
        />
        <button type="button" onClick={doImport} disabled={!importText.trim() || busy !== null}>
          {busy === 'import' ? 'Importing…' : 'Import'}
        </button>
        {api.pickPaths ? (
          <button type="button" onClick={() => p.pick('files')} disabled={busy !== null}>
            Choose files…
          </button>
        ) : null}
        {api.pickPaths ? (
          <button type="button" onClick={() => p.pick('folders')} disabled={busy !== null}>
            Choose folders…
          </button>
        ) : null}
      </div>
      {summary ? <ImportSummaryNote summary={summary} /> : null}
    </section>
  );
}

function ImportSummaryNote({ summary }: { summary: ImportSummary }) {
  return (
    <div className="small" data-testid="import-summary">
      <p>
        {summary.counts.added ?? 0} added, {summary.counts.duplicate ?? 0} duplicates, {summary.counts.unchanged ?? 0}{' '}
        unchanged, {summary.counts.rejected ?? 0} rejected
      </p>
      {summary.missing ? (
        <p>
          {summary.missing} recording(s) of this library are no longer where they were: marked missing (import them from
          their new place to restore them).
        </p>
      ) : null}
      {summary.rejected.length ? (
        <ul>
          {summary.rejected.map((r) => (
            <li key={r.path}>
              <code>{r.code}</code> {fileName(r.path)} — {r.reason}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

type IndexRequest = { tier: 'dense' | 'short'; windowLength: number; overlap: number };

/** A labelled number input in seconds, in half-second steps. */
function SecondsField(p: { label: string; ariaLabel: string; min: number; value: string; onChange(v: string): void }) {
  return (
    <label className="field">
      {p.label}
      <input
        type="number"
        aria-label={p.ariaLabel}
        min={p.min}
        step={0.5}
        value={p.value}
        onChange={(e) => p.onChange(e.target.value)}
      />
    </label>
  );
}

/** Tier and window choice, the Index button, and the job's progress, controls and the caption being written. */
export function IndexCard(p: {
  api: MolmoscopeBridge;
  busy: string | null;
  readyCount: number;
  job: JobState | null;
  index(req: IndexRequest): void;
  control(what: 'jobs.pause' | 'jobs.resume' | 'jobs.cancel'): void;
}) {
  const { job } = p;
  const [tier, setTier] = useState<'dense' | 'short'>('dense');
  const [windowLength, setWindowLength] = useState('63.5');
  const [overlap, setOverlap] = useState('8');
  return (
    <section className="card">
      <h2>Index for search</h2>
      <div className="row">
        <label className="field">
          Caption tier
          <select aria-label="Caption tier" value={tier} onChange={(e) => setTier(e.target.value as 'dense' | 'short')}>
            <option value="dense">dense (detailed, default)</option>
            <option value="short">short (faster)</option>
          </select>
        </label>
        <SecondsField
          label="Window (s)"
          ariaLabel="Window length"
          min={1}
          value={windowLength}
          onChange={setWindowLength}
        />
        <SecondsField label="Overlap (s)" ariaLabel="Window overlap" min={0} value={overlap} onChange={setOverlap} />
        <button
          type="button"
          onClick={() => p.index({ tier, windowLength: Number(windowLength), overlap: Number(overlap) })}
          disabled={p.busy !== null || p.readyCount === 0 || job?.status === 'running' || job?.status === 'queued'}
        >
          Index
        </button>
      </div>
      {job ? (
        <JobProgress
          job={job}
          onPause={() => p.control('jobs.pause')}
          onResume={() => p.control('jobs.resume')}
          onCancel={() => p.control('jobs.cancel')}
        />
      ) : null}
      <LivePartial api={p.api} jobId={job?.jobId ?? null} />
    </section>
  );
}

/** Every recording with its thumbnail, status (and reason), duration and indexing counts. */
export function RecordingsCard({ api, recs }: { api: MolmoscopeBridge; recs: Recording[] }) {
  return (
    <section className="card">
      <h2>Recordings ({recs.length})</h2>
      {recs.length === 0 ? (
        <p className="muted">Nothing imported yet.</p>
      ) : (
        <table className="recs" data-testid="recordings">
          <thead>
            <tr>
              <th />
              <th>Recording</th>
              <th>Status</th>
              <th>Duration</th>
              <th>Windows</th>
              <th>Captions</th>
            </tr>
          </thead>
          <tbody>
            {recs.map((r) => (
              <tr key={r.id} data-status={r.status}>
                <td>
                  {r.status === 'ready' ? (
                    <img
                      className="thumb"
                      alt=""
                      loading="lazy"
                      src={api.thumbnailUrl(r.id, Math.min(1, (r.durationSeconds ?? 0) / 2), 192)}
                    />
                  ) : null}
                </td>
                <td title={r.path}>
                  {fileName(r.path)}
                  {r.reason ? (
                    <div className="muted small">
                      <code>{r.reasonCode}</code> {r.reason}
                    </div>
                  ) : null}
                </td>
                <td>
                  <span className={`pill ${r.status === 'ready' ? 'good' : 'bad'}`}>{r.status}</span>
                </td>
                <td>{r.durationSeconds !== null ? clock(r.durationSeconds) : '–'}</td>
                <td>{r.windows}</td>
                <td>{r.captions}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
