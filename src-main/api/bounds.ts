// The limits every numeric, string and array input of the contract is held to, in one place so the schemas, the
// handlers and their tests agree. Each bound is the largest value that still makes sense for the input, not a guess.
import { z } from 'zod';

/** Frames per window at most: the released Molmo2 video processor's cap (SFT used 128). */
export const MAX_FRAMES = 384;
/** Frames per second a sampling rule may ask for (Molmo2's own highest candidate rate is 8). */
export const MAX_SAMPLE_FPS = 60;
/** A video's own frame rate at most (high-speed footage included). */
export const MAX_VIDEO_FPS = 1000;
/** The longest recording, in seconds, any request may describe (one week of footage). */
export const MAX_MEDIA_SECONDS = 7 * 24 * 3600;
/** Window length bounds in seconds: one second at least, one hour at most. */
export const MIN_WINDOW_SECONDS = 1;
export const MAX_WINDOW_SECONDS = 3600;
/** Windows one request or job may cover; more is refused before anything is planned (use longer windows). */
export const MAX_JOB_WINDOWS = 20_000;
/** Windows one `media.windows` answer lists (it carries every sample time; `media.window` reads any one by index). */
export const MAX_LISTED_WINDOWS = 2_000;
/** A file system path, in characters (PATH_MAX on Linux is 4096 bytes). */
export const MAX_PATH_CHARS = 4096;
/** Paths one import request may name (folders are walked, so this counts roots, not files). */
export const MAX_IMPORT_PATHS = 10_000;
/** Ids one request may list. */
export const MAX_IDS = 10_000;
/** Points the user may add to one count run (instances the model missed); more is refused with LIMIT_REACHED. */
export const MAX_ADDED_POINTS_PER_RUN = 1000;
/** Generation budget per window, tokens. */
export const MAX_NEW_TOKENS = 16_384;

/** A path string with the contract's bounds (no NUL: the OS would cut the name there, or SQLite open a temp file). */
export const PathString = z
  .string()
  .min(1)
  .max(MAX_PATH_CHARS)
  .refine((s) => !s.includes('\0'), 'a path cannot contain a NUL character');
/** A positive database id. */
export const IdNumber = z.number().int().positive();
/** A coordinate on Molmo2's 0–1000 scale (x by the frame's width, y by its height; finite). */
export const ModelCoordinate = z.number().min(0).max(1000);
/** A time in media seconds (finite, ≥ 0, at most a week). */
export const MediaSeconds = z.number().nonnegative().max(MAX_MEDIA_SECONDS);

/** Window length and overlap (seconds): length in [1 s, 1 h]; overlap at most half the window (each instant lies in at
 * most two windows, so a job's frames stay within twice the recording's). */
export const WindowLength = z.number().min(MIN_WINDOW_SECONDS).max(MAX_WINDOW_SECONDS);
export const WindowOverlap = z
  .number()
  .nonnegative()
  .max(MAX_WINDOW_SECONDS / 2);

/** True when an overlap fits the window it is given with (checked again against the default window by the core). */
export function overlapFits(v: { windowLength?: number; length?: number; overlap?: number }): boolean {
  const l = v.windowLength ?? v.length;
  return l === undefined || v.overlap === undefined || v.overlap <= l / 2;
}
const OVERLAP_MESSAGE = 'overlap must be at most half the window length';

/** `schema` refined so that an overlap larger than half its window is refused, the error naming the overlap field. */
export function withOverlapCheck<T extends z.ZodType<Parameters<typeof overlapFits>[0]>>(schema: T): T {
  return schema.refine(overlapFits, { message: OVERLAP_MESSAGE, path: ['overlap'] });
}
