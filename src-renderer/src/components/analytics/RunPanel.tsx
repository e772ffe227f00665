// The run form shared by Count and Track: query, recording, optional range, advanced window settings, a Run button,
// then progress with ETA and Cancel while the job runs; plus a picker over earlier runs of the same kind.
import { useState, type FormEvent, type ReactNode } from 'react';
import type { Recording } from '../../../../src-main/api/ops/library.js';
import type { RunDto } from '../../../../src-main/api/ops/analytics.js';
import type { ApiError } from '../../../../src-main/api/errors.js';
import type { RunKind, RunProgress, RunRequest } from './run-types.js';

const num = (s: string) => (s.trim() === '' ? undefined : Number(s));

/** The form, the progress line and the run picker. */
// eslint-disable-next-line max-lines-per-function -- over 80 only since Prettier's line breaks (2026-12-07); to be split along its steps
export function RunPanel(props: {
  kind: RunKind;
  recordings: Recording[];
  running: boolean;
  progress: RunProgress | null;
  error: ApiError | null;
  runs: RunDto[];
  runId: number | null;
  onRun(req: RunRequest): void;
  onCancel(): void;
  onPick(runId: number | null): void;
  /** Shown under the progress line (the live answer of the running window). */
  children?: ReactNode;
}) {
  const { kind, recordings, running, progress } = props;
  const [query, setQuery] = useState('');
  const [rec, setRec] = useState('');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [adv, setAdv] = useState({ windowLength: '', overlap: '', maxFrames: '', maxNewTokens: '' });
  const recordingId = Number(rec || recordings[0]?.id || 0);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!query.trim() || !recordingId) return;
    const settings = Object.fromEntries(
      Object.entries(adv)
        .map(([k, v]) => [k, num(v)])
        .filter(([, v]) => v !== undefined),
    );
    props.onRun({ query: query.trim(), recordingId, start: num(start), end: num(end), settings });
  };
  const pct = progress && progress.total ? Math.round((100 * progress.done) / progress.total) : 0;
  return (
    <section className="card run-panel">
      <form className="run-form" onSubmit={submit} aria-label={`${kind} query`}>
        <label>
          {kind === 'count' ? 'Count what' : 'Track what'}
          <input
            name="query"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder={kind === 'count' ? 'people with a backpack' : 'the person in red'}
            required
            maxLength={200}
          />
        </label>
        <label>
          Recording
          <select name="recording" value={String(recordingId || '')} onChange={(e) => setRec(e.target.value)}>
            {recordings.length === 0 && <option value="">no ready recordings</option>}
            {recordings.map((r) => (
              <option key={r.id} value={r.id}>
                {r.path.split(/[\\/]/).pop()} ({(r.durationSeconds ?? 0).toFixed(0)} s)
              </option>
            ))}
          </select>
        </label>
        <label className="short">
          From (s)
          <input
            name="start"
            inputMode="decimal"
            value={start}
            onChange={(e) => setStart(e.target.value)}
            placeholder="0"
          />
        </label>
        <label className="short">
          To (s)
          <input
            name="end"
            inputMode="decimal"
            value={end}
            onChange={(e) => setEnd(e.target.value)}
            placeholder="end"
          />
        </label>
        <details className="advanced">
          <summary>Windows</summary>
          <div className="adv-fields">
            {(['windowLength', 'overlap', 'maxFrames', 'maxNewTokens'] as const).map((k) => (
              <label key={k} className="short">
                {{ windowLength: 'Window (s)', overlap: 'Overlap (s)', maxFrames: 'Frames', maxNewTokens: 'Tokens' }[k]}
                <input
                  name={k}
                  inputMode="decimal"
                  value={adv[k]}
                  onChange={(e) => setAdv({ ...adv, [k]: e.target.value })}
                  placeholder="default"
                />
              </label>
            ))}
          </div>
        </details>
        <button type="submit" disabled={running || !recordingId}>
          {running ? 'Running…' : kind === 'count' ? 'Count' : 'Track'}
        </button>
      </form>
      {progress && (
        <div className="progress-line" data-testid="job-progress" data-status={progress.status}>
          <progress max={100} value={pct} aria-label="progress" />
          <span>
            {progress.status} · {progress.done}/{progress.total} windows · {pct}%
          </span>
          {progress.etaSeconds !== null && progress.status === 'running' && (
            <span className="muted">about {Math.ceil(progress.etaSeconds)} s left</span>
          )}
          {running && (
            <button type="button" onClick={props.onCancel}>
              Cancel
            </button>
          )}
          {progress.message && <span className="muted small">{progress.message}</span>}
        </div>
      )}
      {props.children}
      {props.error && (
        <p className="bad" role="alert">
          <code>{props.error.code}</code> {props.error.message}
        </p>
      )}
      <label className="run-picker">
        Run
        <select
          name="run"
          value={props.runId ?? ''}
          onChange={(e) => props.onPick(e.target.value ? Number(e.target.value) : null)}
        >
          <option value="">{props.runs.length ? 'choose a run' : 'no runs yet'}</option>
          {props.runs.map((r) => (
            <option key={r.id} value={r.id}>
              #{r.id} “{r.query}” · {r.path.split(/[\\/]/).pop()} {r.start.toFixed(0)}–{r.end.toFixed(0)} s · {r.status}
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}
