// An API error as the UI shows it: its code and its message, announced to screen readers.
import type { ApiError } from '../../../src-main/api/errors.js';

/** Shows `error` (nothing when null). */
export function ErrorNote({ error, title }: { error: ApiError | null; title?: string }) {
  if (!error) return null;
  return (
    <div className="card error" role="alert" data-testid="error">
      {title ? <h2>{title}</h2> : null}
      <p className="small">
        <code>{error.code}</code> {error.message}
      </p>
    </div>
  );
}
