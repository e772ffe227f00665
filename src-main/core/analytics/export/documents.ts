// JSON documents for exports: "molmoscope.tracks" (a stitched/corrected track set) and "molmoscope.count" (a count).
// Parsing validates with zod; the same tracks document is accepted by `molmoscope export --in` and `eval --pred`.
import { z } from 'zod';
import { AppError } from '../../../api/errors.js';
import type { CountResult, TrackSet } from '../types.js';
import { validateDoc } from '../validate-doc.js';

const Num = z.number().finite();
const Frame = z.object({ width: Num.positive(), height: Num.positive() });
const TrackPointJ = z.object({
  t: Num,
  x: Num,
  y: Num,
  mx: Num,
  my: Num,
  window: z.number().int(),
  localId: z.number().int(),
});
const Decision = z.object({
  windowA: z.number().int().nullable(),
  localA: z.number().int().nullable(),
  windowB: z.number().int(),
  localB: z.number().int(),
  globalId: z.number().int(),
  cost: Num,
  reason: z.enum(['overlap', 'reid', 'new']),
});

export const TracksDocSchema = z.object({
  format: z.literal('molmoscope.tracks'),
  version: z.literal(1),
  frame: Frame,
  label: z.string(),
  /** Frame rate of the source video, when known (used for MOT frame numbers). */
  videoFps: Num.positive().optional(),
  tracks: z.array(z.object({ id: z.number().int(), label: z.string(), points: z.array(TrackPointJ) })),
  decisions: z.array(Decision).default([]),
});
export type TracksDoc = z.infer<typeof TracksDocSchema>;

const Evidence = z.object({
  window: z.number().int(),
  localId: z.number().int(),
  t: Num,
  x: Num,
  y: Num,
  mx: Num,
  my: Num,
});
export const CountDocSchema = z.object({
  format: z.literal('molmoscope.count'),
  version: z.literal(1),
  frame: Frame,
  query: z.string(),
  total: z.number().int().min(0),
  instances: z.array(z.object({ id: z.number().int(), evidence: z.array(Evidence).min(1) })),
  perWindow: z.array(z.object({ window: z.number().int(), start: Num, end: Num, count: z.number().int().min(0) })),
  matches: z.array(
    z.object({
      windowA: z.number().int(),
      localA: z.number().int(),
      windowB: z.number().int(),
      localB: z.number().int(),
      instanceId: z.number().int(),
      cost: Num,
    }),
  ),
});
export type CountDoc = z.infer<typeof CountDocSchema>;

/** A track set as a JSON document (pretty-printed, newline-terminated). */
export function tracksToJson(set: TrackSet, extra: { videoFps?: number } = {}): string {
  const doc = {
    format: 'molmoscope.tracks',
    version: 1,
    frame: set.frame,
    label: set.label,
    ...extra,
    tracks: set.tracks,
    decisions: set.decisions,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Parses a tracks document; anything else is PARSE_ERROR (bad JSON) or INVALID_INPUT (wrong shape). */
export function tracksFromJson(text: string): { set: TrackSet; videoFps?: number } {
  const doc = parseDoc(TracksDocSchema, text, 'tracks document');
  const set = {
    frame: doc.frame,
    label: doc.label,
    tracks: doc.tracks,
    decisions: doc.decisions,
  } as unknown as TrackSet;
  return doc.videoFps === undefined ? { set } : { set, videoFps: doc.videoFps };
}

/** A count result as a JSON document. */
export function countToJson(
  result: CountResult,
  meta: { query: string; frame: { width: number; height: number } },
): string {
  return (
    JSON.stringify(
      { format: 'molmoscope.count', version: 1, frame: meta.frame, query: meta.query, ...result },
      null,
      2,
    ) + '\n'
  );
}

/** Parses a count document back into its result and metadata. */
export function countFromJson(text: string): {
  result: CountResult;
  query: string;
  frame: { width: number; height: number };
} {
  const doc = parseDoc(CountDocSchema, text, 'count document');
  const { format: _f, version: _v, frame, query, ...result } = doc;
  return { result: result as unknown as CountResult, query, frame };
}

/** JSON.parse + zod with contract error codes. */
export function parseDoc<S extends z.ZodType>(schema: S, text: string, what: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AppError('PARSE_ERROR', `${what}: not JSON (${(err as Error).message})`);
  }
  return validateDoc(schema, raw, what);
}
