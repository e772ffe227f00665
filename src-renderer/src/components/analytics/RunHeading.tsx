// The heading of a Count or Track result: the page's headline once the run is done (else the run's status), and how
// its windows went, with the page's own tally after it.
import type { ReactNode } from 'react';
import type { RunDto } from '../../../../src-main/api/ops/analytics.js';

/** `headline` null: the run is not done, so its status is the heading. */
export function RunHeading({ run, headline, extra }: { run: RunDto; headline: ReactNode | null; extra: string }) {
  return (
    <>
      <h2>
        {headline ?? (
          <>
            Run #{run.id} is {run.status}
          </>
        )}
      </h2>
      <p className="muted small">
        {run.windowsDone}/{run.windowsTotal} windows answered · {run.windowsMalformed} malformed · {run.windowsFailed}{' '}
        failed{extra}
      </p>
    </>
  );
}
