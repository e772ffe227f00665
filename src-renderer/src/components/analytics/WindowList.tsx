// The windows of a run that did not answer well: malformed answers (kept verbatim) and failed model calls, with reasons.
import type { RunWindowDto } from '../../../../src-main/api/ops/analytics.js';
import { fmtTime } from './use-analytics.js';

/** Lists malformed/failed windows; each opens to show the model's answer as stored. */
export function WindowList({ windows, onSeek }: { windows: RunWindowDto[]; onSeek(t: number): void }) {
  const bad = windows.filter((w) => w.status !== 'ok');
  if (bad.length === 0) return null;
  return (
    <div className="window-list" data-testid="malformed-windows">
      <h3 className="small">{bad.length} window{bad.length > 1 ? 's' : ''} without a usable answer</h3>
      {bad.map((w) => (
        <details key={w.index} data-status={w.status}>
          <summary>
            <button type="button" className="link" onClick={() => onSeek(w.start)}>{fmtTime(w.start)}–{fmtTime(w.end)}</button>
            {' '}{w.status} <code>{w.errorCode}</code>
          </summary>
          <p className="small muted">{w.errorMessage}</p>
          {w.answer !== null && <pre className="answer">{w.answer}</pre>}
        </details>
      ))}
    </div>
  );
}
