// The run form shared by Count and Track: query, recording, optional range, advanced window settings, a Run button,
// then progress with ETA and Cancel while the job runs; plus a picker over earlier runs of the same kind.
import { useState, type FormEvent, type ReactNode } from 'react';
import type { Recording } from '../../../../src-main/api/ops/library.js';
import type { RunDto } from '../../../../src-main/api/ops/analytics.js';
import type { ApiError } from '../../../../src-main/api/errors.js';
import type { RunKind, RunProgress, RunRequest } from './run-types.js';

const num = (s: string) => (s.trim() === '' ? undefined : Number(s));

type Adv = { windowLength: string; overlap: string; maxFrames: string; maxNewTokens: string };
const ADV_LABELS: Adv = {
  windowLength: 'Window (s)',
  overlap: 'Overlap (s)',
  maxFrames: 'Frames',
  maxNewTokens: 'Tokens',
};

/** The form's fields as typed, the recording chosen (the first one by default) and the submit handler. */
function useRunForm(recordings: Recording[], onRun: (req: RunRequest) => void) {
  const [query, setQuery] = useState('');
  const [rec, setRec] = useState('');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [adv, setAdv] = useState<Adv>({ windowLength: '', overlap: '', maxFrames: '', maxNewTokens: '' });
  const recordingId = Number(rec || recordings[0]?.id || 0);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!query.trim() || !recordingId) return;
    const settings = Object.fromEntries(
      Object.entries(adv)
        .map(([k, v]) => [k, num(v)])
        .filter(([, v]) => v !== undefined),
    );
    onRun({ query: query.trim(), recordingId, start: num(start), end: num(end), settings });
  };
  return { query, setQuery, setRec, start, setStart, end, setEnd, adv, setAdv, recordingId, submit };
}

/** A short labelled number field, kept as typed (the form reads an empty one as "not given"). */
function DecimalField(props: {
  label: string;
  name: string;
  value: string;
  placeholder: string;
  onChange(value: string): void;
}) {
  return (
    <label className="short">
      {props.label}
      <input
        name={props.name}
        inputMode="decimal"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        placeholder={props.placeholder}
      />
    </label>
  );
}

/** The "Windows" details: window length, overlap, frames and tokens, each empty for the default. */
function AdvancedFields({ adv, setAdv }: { adv: Adv; setAdv: (a: Adv) => void }) {
  return (
    <details className="advanced">
      <summary>Windows</summary>
      <div className="adv-fields">
        {(['windowLength', 'overlap', 'maxFrames', 'maxNewTokens'] as const).map((k) => (
          <DecimalField
            key={k}
            label={ADV_LABELS[k]}
            name={k}
            value={adv[k]}
            onChange={(v) => setAdv({ ...adv, [k]: v })}
            placeholder="default"
          />
        ))}
      </div>
    </details>
  );
}

/** The recording to run over: file name and duration of each ready one. */
function RecordingSelect({
  recordings,
  recordingId,
  onChange,
}: {
  recordings: Recording[];
  recordingId: number;
  onChange(value: string): void;
}) {
  return (
    <label>
      Recording
      <select name="recording" value={String(recordingId || '')} onChange={(e) => onChange(e.target.value)}>
        {recordings.length === 0 && <option value="">no ready recordings</option>}
        {recordings.map((r) => (
          <option key={r.id} value={r.id}>
            {r.path.split(/[\\/]/).pop()} ({(r.durationSeconds ?? 0).toFixed(0)} s)
          </option>
        ))}
      </select>
    </label>
  );
}

/** The run form: query, recording, optional range, advanced window settings and the Run button. */
function RunForm({
  kind,
  recordings,
  running,
  onRun,
}: {
  kind: RunKind;
  recordings: Recording[];
  running: boolean;
  onRun(req: RunRequest): void;
}) {
  const f = useRunForm(recordings, onRun);
  return (
    <form className="run-form" onSubmit={f.submit} aria-label={`${kind} query`}>
      <label>
        {kind === 'count' ? 'Count what' : 'Track what'}
        <input
          name="query"
          value={f.query}
          onChange={(e) => f.setQuery(e.target.value)}
          placeholder={kind === 'count' ? 'people with a backpack' : 'the person in red'}
          required
          maxLength={200}
        />
      </label>
      <RecordingSelect recordings={recordings} recordingId={f.recordingId} onChange={f.setRec} />
      <DecimalField label="From (s)" name="start" value={f.start} onChange={f.setStart} placeholder="0" />
      <DecimalField label="To (s)" name="end" value={f.end} onChange={f.setEnd} placeholder="end" />
      <AdvancedFields adv={f.adv} setAdv={f.setAdv} />
      <button type="submit" disabled={running || !f.recordingId}>
        {running ? 'Running…' : kind === 'count' ? 'Count' : 'Track'}
      </button>
    </form>
  );
}

/** The job's status, windows done, percentage, ETA, Cancel while running, and its last message. */
function ProgressLine({ progress, running, onCancel }: { progress: RunProgress; running: boolean; onCancel(): void }) {
  const pct = progress.total ? Math.round((100 * progress.done) / progress.total) : 0;
  return (
    <div className="progress-line" data-testid="job-progress" data-status={progress.status}>
      <progress max={100} value={pct} aria-label="progress" />
      <span>
        {progress.status} · {progress.done}/{progress.total} windows · {pct}%
      </span>
      {progress.etaSeconds !== null && progress.status === 'running' && (
        <span className="muted">about {Math.ceil(progress.etaSeconds)} s left</span>
      )}
      {running && (
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      )}
      {progress.message && <span className="muted small">{progress.message}</span>}
    </div>
  );
}

/** A picker over earlier runs of this kind. */
function RunPicker({ runs, runId, onPick }: { runs: RunDto[]; runId: number | null; onPick(id: number | null): void }) {
  return (
    <label className="run-picker">
      Run
      <select name="run" value={runId ?? ''} onChange={(e) => onPick(e.target.value ? Number(e.target.value) : null)}>
        <option value="">{runs.length ? 'choose a run' : 'no runs yet'}</option>
        {runs.map((r) => (
          <option key={r.id} value={r.id}>
            #{r.id} “{r.query}” · {r.path.split(/[\\/]/).pop()} {r.start.toFixed(0)}–{r.end.toFixed(0)} s · {r.status}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The form, the progress line and the run picker. */
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
  return (
    <section className="card run-panel">
      <RunForm kind={kind} recordings={recordings} running={running} onRun={props.onRun} />
      {progress && <ProgressLine progress={progress} running={running} onCancel={props.onCancel} />}
      {props.children}
      {props.error && (
        <p className="bad" role="alert">
          <code>{props.error.code}</code> {props.error.message}
        </p>
      )}
      <RunPicker runs={props.runs} runId={props.runId} onPick={props.onPick} />
    </section>
  );
}
