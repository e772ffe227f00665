// The windows of a run that did not answer well: malformed answers (kept verbatim) and failed model calls, with reasons;
// for a run without a result (cancelled, failed, still running) every stored window, so partial work stays visible.
import type { RunWindowDto } from '../../../../src-main/api/ops/analytics.js';
import { fmtTime } from './use-analytics.js';

/** Lists malformed/failed windows (or, with `all`, every stored one); each opens to show the answer as stored. */
export function WindowList({
  windows,
  onSeek,
  all = false,
}: {
  windows: RunWindowDto[];
  onSeek(t: number): void;
  all?: boolean;
}) {
  const shown = all ? windows : windows.filter((w) => w.status !== 'ok');
  if (shown.length === 0) return null;
  return (
    <div className="window-list" data-testid={all ? 'stored-windows' : 'malformed-windows'}>
      <h3 className="small">
        {all
          ? `${shown.length} window${shown.length > 1 ? 's' : ''} stored`
          : `${shown.length} window${shown.length > 1 ? 's' : ''} without a usable answer`}
      </h3>
      {shown.map((w) => (
        <details key={w.index} data-status={w.status} data-testid="stored-window">
          <summary>
            <button type="button" className="link" onClick={() => onSeek(w.start)}>
              {fmtTime(w.start)}–{fmtTime(w.end)}
            </button>{' '}
            {w.status} {w.errorCode && <code>{w.errorCode}</code>}
          </summary>
          {w.errorMessage && <p className="small muted">{w.errorMessage}</p>}
          {w.answer !== null && <pre className="answer">{w.answer}</pre>}
        </details>
      ))}
    </div>
  );
}
