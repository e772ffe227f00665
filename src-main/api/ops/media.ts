// Contract of the media operations: probe a file, Molmo2 sample times, and the windows of a long recording.
// Thumbnails and frames travel through the media:// protocol and the engine, not through these JSON operations.
import { z } from 'zod';
import {
  MAX_FRAMES,
  MAX_SAMPLE_FPS,
  MAX_VIDEO_FPS,
  MediaSeconds,
  PathString,
  WindowLength,
  WindowOverlap,
  MAX_JOB_WINDOWS,
  withOverlapCheck,
} from '../bounds.js';

export const ProbeResultSchema = z.object({
  file: z.string(),
  container: z.string(),
  sizeBytes: z.number(),
  duration: z.number(),
  claimedDuration: z.number(),
  truncated: z.boolean(),
  width: z.number().int(),
  height: z.number().int(),
  rotation: z.union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)]),
  codec: z.string(),
  pixFmt: z.string().nullable(),
  fps: z.number(),
  vfr: z.boolean(),
  startTime: z.number(),
  formatStartTime: z.number(),
  hasAudio: z.boolean(),
  frameCount: z.number().int().nullable(),
  streamIndex: z.number().int(),
  timeBase: z.tuple([z.number(), z.number()]),
  reorderDelay: z.number().int(),
  creationTime: z.string().nullable(),
});

export const SampleOptionsSchema = z.object({
  mode: z.enum(['uniform_last_frame', 'fps']).optional(),
  maxFps: z.number().positive().max(MAX_SAMPLE_FPS).nullable().optional(),
  maxFrames: z.number().int().positive().max(MAX_FRAMES).optional(),
  videoFps: z.number().positive().max(MAX_VIDEO_FPS).optional(),
  samplingFps: z.number().positive().max(MAX_SAMPLE_FPS).optional(),
});

export const WindowSchema = z.object({
  index: z.number().int(),
  start: z.number(),
  end: z.number(),
  times: z.array(z.number()),
});

const WindowRequest = z.object({
  path: PathString,
  length: WindowLength.optional(),
  overlap: WindowOverlap.optional(),
  maxFps: z.number().positive().max(MAX_SAMPLE_FPS).optional(),
  maxFrames: z.number().int().positive().max(MAX_FRAMES).optional(),
});

export const mediaOps = {
  'media.probe': {
    summary: 'Describe a video file; strict makes a truncated file the TRUNCATED error.',
    request: z.object({ path: PathString, strict: z.boolean().optional() }).strict(),
    response: ProbeResultSchema,
  },
  'media.sampleTimes': {
    summary: "Molmo2's sample times for a clip of the given duration.",
    request: SampleOptionsSchema.extend({ duration: MediaSeconds }).strict(),
    response: z.object({ times: z.array(z.number()) }),
  },
  'media.windows': {
    summary: 'The overlapping analysis windows of a recording with their sample times.',
    request: withOverlapCheck(WindowRequest.strict()),
    response: z.object({ duration: z.number(), count: z.number().int(), windows: z.array(WindowSchema) }),
  },
  'media.window': {
    summary: 'One analysis window by index (to resume a job at any window).',
    request: withOverlapCheck(
      WindowRequest.extend({ index: z.number().int().nonnegative().max(MAX_JOB_WINDOWS) }).strict(),
    ),
    response: WindowSchema,
  },
} as const;
