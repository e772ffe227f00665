// The cancellation helpers: one code and one message shape, whatever the signal's reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, cancelledError, throwIfCancelled, toApiError } from '../../src-main/api/errors.js';

test('throwIfCancelled throws CANCELLED only for an aborted signal, whatever its reason', () => {
  throwIfCancelled(undefined);
  throwIfCancelled(new AbortController().signal);
  for (const reason of [undefined, 'pause', new Error('x')]) {
    const ac = new AbortController();
    ac.abort(reason);
    assert.throws(
      () => throwIfCancelled(ac.signal, 'The import'),
      (e: unknown) => e instanceof AppError && e.code === 'CANCELLED' && e.message === 'The import was cancelled.',
    );
  }
  assert.deepEqual(toApiError(cancelledError()), { code: 'CANCELLED', message: 'The operation was cancelled.' });
});
