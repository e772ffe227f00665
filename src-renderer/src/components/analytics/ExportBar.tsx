// Export buttons for a finished run: each writes the (corrected) result through analytics.export to a path the user
// can edit (default: the app's data folder, exports/), and shows where it went or why it could not.
import { useEffect, useState } from 'react';
import type { MolmoscopeBridge } from '../../api/client.js';
import type { ApiError } from '../../../../src-main/api/errors.js';

type Format = 'csv' | 'json' | 'mot' | 'case';

/** The export path field and one button per format. */
export function ExportBar({
  api,
  runId,
  kind,
  formats,
}: {
  api: MolmoscopeBridge;
  runId: number;
  kind: 'count' | 'track';
  formats: readonly Format[];
}) {
  const [dir, setDir] = useState('');
  const [path, setPath] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    void api.ops['app.info']({}).then((r) => {
      if (r.ok) setDir(`${r.value.paths.data}/exports/`);
    });
  }, [api]);
  const base = (path.trim() || `${dir}${kind}-run-${runId}`).replace(/\.[a-z]+$/i, '');
  const go = async (f: Format) => {
    setError(null);
    const target = f === 'case' ? `${base}-case` : `${base}.${f === 'mot' ? 'txt' : f}`;
    const r = await api.ops['analytics.export']({ runId, format: f, path: target, overwrite: true });
    if (!r.ok) return setError(r.error);
    setDone(
      `${f.toUpperCase()} → ${r.value.files[0]}${r.value.files.length > 1 ? ` (+${r.value.files.length - 1} files)` : ''} · ${r.value.rows} rows`,
    );
  };
  return (
    <div className="export-bar">
      <input
        aria-label="export path"
        value={path}
        onChange={(e) => setPath(e.target.value)}
        placeholder={`${dir}${kind}-run-${runId}`}
      />
      {formats.map((f) => (
        <button type="button" key={f} onClick={() => void go(f)}>
          Export {f.toUpperCase()}
        </button>
      ))}
      {done && (
        <span className="small muted" data-testid="exported">
          {done}
        </span>
      )}
      {error && (
        <span className="small bad" role="alert">
          <code>{error.code}</code> {error.message}
        </span>
      )}
    </div>
  );
}
