// The shape of operation handlers: one async function per contract operation, grouped by area.
import type { OpName, OpRequest, OpResponse } from '../../api/contract.js';
import type { CoreContext } from '../context.js';

export type Handler<N extends OpName> = (
  req: OpRequest<N>,
  ctx: CoreContext,
  signal: AbortSignal,
) => Promise<OpResponse<N>>;
export type HandlerMap = { [N in OpName]?: Handler<N> };
