// The one dispatcher every host uses: checks the operation name against the contract, zod-parses the payload,
// runs the handler and maps every failure to the closed ErrorCode set. Serve and Electron IPC both call this.
import type { z } from 'zod';
import { operations, isOpName, type OpName } from '../../api/contract.js';
import { AppError, toApiError, throwIfCancelled } from '../../api/errors.js';
import type { Result } from '../../api/envelope.js';
import type { CoreContext } from '../context.js';
import { appHandlers } from './app.js';
import { libraryHandlers } from './library.js';
import { mediaHandlers } from './media.js';
import { analyticsHandlers } from './analytics.js';
import { modelsHandlers } from './models.js';
import { finetuneHandlers } from './finetune.js';
import type { Handler, HandlerMap } from './types.js';

/** Every handler, by operation name; areas add their map here (one import, one spread). */
export const handlers: HandlerMap = {
  ...appHandlers,
  ...libraryHandlers,
  ...mediaHandlers,
  ...analyticsHandlers,
  ...modelsHandlers,
  ...finetuneHandlers,
};

export interface Dispatcher {
  /** Runs one operation by name; never throws — failures come back as {ok:false,error}. */
  dispatch(opName: string, payload: unknown, signal?: AbortSignal): Promise<Result<unknown>>;
  ctx: CoreContext;
}

export interface DispatcherOptions {
  /** Validate every response against its schema (default: on unless NODE_ENV is 'production'). */
  validateResponses?: boolean;
  /** Handler map override (default: `handlers`); lets a host serve a subset. */
  handlers?: HandlerMap;
}

function zodDetails(err: z.ZodError) {
  return err.issues.map((i) => ({ path: i.path.map(String).join('.'), code: i.code, message: i.message }));
}

/** Builds the dispatcher for a context. */
export function createDispatcher(ctx: CoreContext, opts: DispatcherOptions = {}): Dispatcher {
  const map = opts.handlers ?? handlers;
  const validate = opts.validateResponses ?? ctx.env.NODE_ENV !== 'production';
  async function dispatch(
    opName: string,
    payload: unknown,
    signal: AbortSignal = new AbortController().signal,
  ): Promise<Result<unknown>> {
    try {
      if (typeof opName !== 'string' || !isOpName(opName)) {
        throw new AppError('UNKNOWN_OPERATION', `no operation "${String(opName)}" in the API contract`);
      }
      const op = operations[opName];
      const parsed = op.request.safeParse(payload ?? {});
      if (!parsed.success) {
        throw new AppError(
          'INVALID_INPUT',
          `invalid payload for "${opName}": ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
          zodDetails(parsed.error),
        );
      }
      const handler = map[opName] as Handler<OpName> | undefined;
      if (!handler) throw new AppError('UNKNOWN_OPERATION', `operation "${opName}" has no handler in this build`);
      throwIfCancelled(signal);
      const value = await handler(parsed.data as never, ctx, signal);
      if (validate) {
        const checked = op.response.safeParse(value);
        if (!checked.success) {
          ctx.logger.error(`response of ${opName} does not match the contract`, zodDetails(checked.error));
          throw new AppError(
            'INTERNAL',
            `response of "${opName}" does not match the contract`,
            zodDetails(checked.error),
          );
        }
      }
      return { ok: true, value };
    } catch (err) {
      const error = toApiError(err);
      if (error.code === 'INTERNAL') ctx.logger.error(`operation ${opName} failed`, err);
      return { ok: false, error };
    }
  }
  return { dispatch, ctx };
}
