// JSON formats of predictions and ground truth for `molmoscope eval` (documented in docs/eval-format.md).
// Files are zod-validated; a bad file is INVALID_INPUT with the zod path in the message.
import { z } from 'zod';
import { AppError } from '../../../api/errors.js';
import { RegionSchema } from './regions.js';
import { validateDoc } from '../validate-doc.js';

const Id = z.union([z.string(), z.number()]).transform(String);
const Num = z.number().finite();

/** Optional top-level `units`: "pixels" (default) or "model" (0–1000 coordinates, scaled by each example's size). */
const Units = z.enum(['pixels', 'model']).optional();

export const CountGtSchema = z.object({ examples: z.array(z.object({ id: Id, count: z.number().int().min(0) })) });
export const CountPredSchema = z.object({
  examples: z.array(
    z.object({ id: Id, count: z.number().int().min(0).nullable().optional(), answer: z.string().optional() }),
  ),
});

export const PointsGtSchema = z.object({
  examples: z.array(
    z.object({
      id: Id,
      width: Num.positive(),
      height: Num.positive(),
      duration: Num.positive().optional(),
      objects: z.array(
        z.object({
          id: Id.optional(),
          t: Num.optional(),
          x: Num.optional(),
          y: Num.optional(),
          region: RegionSchema.optional(),
          regions: z.array(z.object({ t: Num, region: RegionSchema })).optional(),
        }),
      ),
    }),
  ),
});
export const PointsPredSchema = z.object({
  units: Units,
  examples: z.array(z.object({ id: Id, points: z.array(z.object({ t: Num.optional(), x: Num, y: Num })) })),
});

export const TracksGtSchema = z.object({
  examples: z.array(
    z.object({
      id: Id,
      width: Num.positive(),
      height: Num.positive(),
      fps: Num.positive().optional(),
      objects: z.array(
        z.object({
          id: Id,
          frames: z.array(z.object({ t: Num, x: Num.optional(), y: Num.optional(), region: RegionSchema })),
        }),
      ),
    }),
  ),
});
export const TracksPredSchema = z.object({
  units: Units,
  examples: z.array(
    z.object({
      id: Id,
      tracks: z.array(
        z.object({ id: Id, points: z.array(z.object({ t: Num, x: Num, y: Num }).passthrough()) }).passthrough(),
      ),
    }),
  ),
});

export type CountGt = z.infer<typeof CountGtSchema>;
export type CountPred = z.infer<typeof CountPredSchema>;
export type PointsGt = z.infer<typeof PointsGtSchema>;
export type PointsPred = z.infer<typeof PointsPredSchema>;
export type TracksGt = z.infer<typeof TracksGtSchema>;
export type TracksPred = z.infer<typeof TracksPredSchema>;

/** Validates parsed JSON against a schema; failures become INVALID_INPUT naming the file and the first bad path. */
export function parseEvalFile<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const data = validateDoc(schema, value, what);
  const ids = new Set<string>();
  for (const ex of (data as { examples: { id: string }[] }).examples) {
    if (ids.has(ex.id)) throw new AppError('INVALID_INPUT', `${what}: example id "${ex.id}" appears twice`);
    ids.add(ex.id);
  }
  return data;
}
