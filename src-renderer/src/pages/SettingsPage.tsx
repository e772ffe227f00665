// Settings: what this installation is and can do, from `app.info` (versions, paths, providers, ffmpeg).
import { useCallback, useEffect, useState } from 'react';
import type { MolmoscopeBridge } from '../api/client.js';
import type { AppInfo } from '../../../src-main/api/ops/app.js';
import type { ApiError } from '../../../src-main/api/errors.js';

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** A row: label, value, and what to show when the value is null. */
type Row = [string, string | null, string?];

function Rows({ rows }: { rows: Row[] }) {
  return (
    <dl className="rows">
      {rows.map(([k, v, missing]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd className={v ? undefined : 'muted'}>{v ?? missing ?? 'not found'}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A card of labelled rows under a title. */
function RowsCard({ title, rows }: { title: string; rows: Row[] }) {
  return (
    <section className="card">
      <h2>{title}</h2>
      <Rows rows={rows} />
    </section>
  );
}

/** app.info, read at once and again on `load`. */
function useAppInfo(api: MolmoscopeBridge) {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);
  const load = useCallback(async () => {
    setLoading(true);
    const r = await api.ops['app.info']({});
    setLoading(false);
    if (r.ok) {
      setInfo(r.value);
      setError(null);
    } else setError(r.error);
  }, [api]);
  useEffect(() => {
    void load();
  }, [load]);
  return { info, error, loading, load };
}

/** The Settings page. */
export function SettingsPage({ api }: { api: MolmoscopeBridge }) {
  const { info, error, loading, load } = useAppInfo(api);
  return (
    <div className="stack" data-testid="page-settings">
      <div className="toolbar">
        <button type="button" onClick={() => void load()} disabled={loading}>
          {loading ? 'Checking…' : 'Check again'}
        </button>
      </div>
      {error && (
        <section className="card error" role="alert">
          <h2>Could not read this installation</h2>
          <p>
            <code>{error.code}</code> {error.message}
          </p>
        </section>
      )}
      {!info && !error && <section className="card muted">Reading this installation…</section>}
      {info && <InstallationCards info={info} />}
    </div>
  );
}

/** Providers, application versions, ffmpeg and storage paths. */
function InstallationCards({ info }: { info: AppInfo }) {
  return (
    <>
      <section className="card">
        <h2>Acceleration</h2>
        <ul className="providers">
          {info.providers.map((p) => (
            <li key={p.name}>
              <span className={`pill ${p.available ? 'good' : 'warn'}`}>
                {p.available ? 'available' : 'unavailable'}
              </span>
              <strong>{p.name === 'cpu' ? 'CPU' : p.name === 'cuda' ? 'CUDA (NVIDIA)' : 'WebGPU'}</strong>
              {p.reason && <span className="muted small reason">{p.reason}</span>}
            </li>
          ))}
        </ul>
      </section>
      <div className="grid">
        <RowsCard
          title="Application"
          rows={[
            ['Version', `${info.app.name} ${info.app.version}`],
            [
              'Running as',
              info.host === 'electron'
                ? 'desktop app'
                : info.host === 'serve'
                  ? 'local server (browser)'
                  : 'command line',
            ],
            ['Node.js', info.versions.node],
            ['Electron', info.versions.electron, 'not running in Electron'],
            ['onnxruntime', info.versions.onnxruntime],
            ['SQLite', info.versions.sqlite, 'better-sqlite3 did not load'],
            [
              'System',
              `${info.platform.os} ${info.platform.arch}, ${info.platform.cpus} CPUs, ${gib(info.platform.totalMemoryBytes)} RAM`,
            ],
          ]}
        />
        <RowsCard
          title="ffmpeg"
          rows={[
            ['ffmpeg', info.ffmpeg.path],
            ['ffprobe', info.ffmpeg.ffprobePath],
            ['Version', info.ffmpeg.version?.replace(/ Copyright.*$/, '') ?? null],
            ['Found via', info.ffmpeg.source],
          ]}
        />
      </div>
      <RowsCard
        title="Storage"
        rows={[
          ['Data', info.paths.data],
          ['Models', info.paths.models],
          ['Cache', info.paths.cache],
          ['Open library', info.paths.library, 'none open'],
        ]}
      />
    </>
  );
}
