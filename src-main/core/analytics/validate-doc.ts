// A user's JSON document (an exported result, an eval file) checked against its schema: a failure is INVALID_INPUT
// naming the document and the first bad path, so the message points at the field to mend.
import type { z } from 'zod';
import { AppError } from '../../api/errors.js';

/** `value` as `schema` parses it; INVALID_INPUT "<what>: <path>: <problem>" when it does not fit. */
export function validateDoc<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new AppError(
      'INVALID_INPUT',
      `${what}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return r.data;
}
