// Memoised fp32 reads of checkpoint tensors for the reference forward.
// Keeps each tensor once per Checkpoint object; reference runs are small, so holding them is fine.
import { readF32, type Checkpoint } from '../weights.js';

const caches = new WeakMap<Checkpoint, Map<string, Float32Array>>();

/** The tensor `name` of `ck` as fp32, read once. */
export function w(ck: Checkpoint, name: string): Float32Array {
  let c = caches.get(ck);
  if (!c) caches.set(ck, (c = new Map()));
  let t = c.get(name);
  if (!t) c.set(name, (t = readF32(ck, name)));
  return t;
}
