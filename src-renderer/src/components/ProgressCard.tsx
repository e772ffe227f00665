// The card of one long operation (a job, a model download): title, status pill, percentage, detail line, progress
// bar, its error, and the Pause/Resume/Cancel buttons its state allows. Callers decide the wording and which buttons.
import type { ReactNode } from 'react';

/** Whole percent done; a finished operation of unknown size shows 100. */
export function percentDone(done: number, total: number, status: string): number {
  return total > 0 ? Math.floor((100 * done) / total) : status === 'done' ? 100 : 0;
}

/** A button is shown when its handler is given. */
export interface ProgressControls {
  onPause?: () => void;
  onResume?: () => void;
  onCancel?: () => void;
}

/** What the card shows; `testId` names the card and prefixes its status and percent (`<testId>-status`). */
export interface ProgressCardProps {
  testId: { card: string; part: string };
  /** `data-id` of the card, where the caller lists several. */
  dataId?: string;
  status: string;
  pct: number;
  title: ReactNode;
  detail: ReactNode;
  barLabel: string;
  /** The error line; `alert` makes it an ARIA alert. */
  error: { code: string | null; message: ReactNode; alert: boolean } | null;
  controls: ProgressControls;
}

function Controls({ onPause, onResume, onCancel }: ProgressControls) {
  return (
    <div className="row">
      {onPause ? (
        <button type="button" onClick={onPause}>
          Pause
        </button>
      ) : null}
      {onResume ? (
        <button type="button" onClick={onResume}>
          Resume
        </button>
      ) : null}
      {onCancel ? (
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      ) : null}
    </div>
  );
}

/** The card; the buttons call back, the parent talks to the bridge. */
export function ProgressCard(p: ProgressCardProps) {
  return (
    <div className="job" data-testid={p.testId.card} data-id={p.dataId} data-status={p.status}>
      <div className="job-head">
        <strong>{p.title}</strong>
        <span
          className={`pill ${p.status === 'done' ? 'good' : p.status === 'failed' ? 'bad' : 'warn'}`}
          data-testid={`${p.testId.part}-status`}
        >
          {p.status}
        </span>
        <span data-testid={`${p.testId.part}-percent`}>{p.pct} %</span>
        <span className="muted small">{p.detail}</span>
      </div>
      <div
        className="bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={p.pct}
        aria-label={p.barLabel}
      >
        <div style={{ width: `${p.pct}%` }} />
      </div>
      {p.error ? (
        <p className="small job-error" role={p.error.alert ? 'alert' : undefined}>
          {p.error.code ? <code>{p.error.code}</code> : null} {p.error.message}
        </p>
      ) : null}
      <Controls {...p.controls} />
    </div>
  );
}
