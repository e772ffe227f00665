// The answer envelope every operation returns across a host boundary.
// {ok:true,value} or {ok:false,error:{code,message}}; never a thrown exception.
import { z } from 'zod';
import { ApiErrorSchema, type ApiError } from './errors.js';

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** Builds the zod schema of an envelope around a value schema. */
export function resultSchema<T extends z.ZodType>(value: T) {
  return z.union([z.object({ ok: z.literal(true), value }), z.object({ ok: z.literal(false), error: ApiErrorSchema })]);
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (error: ApiError): Result<never> => ({ ok: false, error });
