// Checked indexing for places where an index is in bounds by construction but the compiler cannot see it
// (noUncheckedIndexedAccess is on, house rule 19): a miss is a bug, reported as INTERNAL with what was missing.
import { AppError } from './errors.js';

/** The element at `i` of `list`; throws INTERNAL naming `what` when there is none. */
export function at<T>(list: ArrayLike<T>, i: number, what = 'element'): T {
  const v = list[i];
  if (v === undefined) throw new AppError('INTERNAL', `${what} ${i} is missing (length ${list.length}).`);
  return v;
}

/** The value under `key` of a map or record; throws INTERNAL naming `what` when there is none. */
export function entry<K, V>(source: ReadonlyMap<K, V>, key: K, what?: string): V;
export function entry<V>(source: Readonly<Record<string, V>>, key: string, what?: string): V;
export function entry<V>(
  source: ReadonlyMap<unknown, V> | Readonly<Record<string, V>>,
  key: unknown,
  what = 'entry',
): V {
  const own = source instanceof Map || Object.hasOwn(source, key as string); // not Object.prototype's keys
  const v = !own ? undefined : source instanceof Map ? source.get(key) : (source as Record<string, V>)[key as string];
  if (v === undefined) throw new AppError('INTERNAL', `${what} ${String(key)} is missing.`);
  return v;
}
