// The wall clock as a capability, so code that stamps or throttles by time can be given another clock.
import type { Clock } from '../context.js';

/** The real clock (milliseconds since the epoch). */
export const systemClock: Clock = { now: () => Date.now() };
