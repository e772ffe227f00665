// Training data: one JSON example per line (video window or images + user/assistant messages + optional weight),
// validated line by line, then tokenised in the training layout — the inference prompt with its generation prompt,
// then the answer, then <|im_end|>; loss on the answer tokens and the end token.
import { z } from 'zod';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve, dirname } from 'node:path';

/** Bounds on one line (house rule 20): text sizes, time ranges, image counts. */
export const DATA_LIMITS = {
  maxLineBytes: 1_000_000,
  maxText: 20_000,
  maxImages: 8,
  maxSeconds: 24 * 3600,
  maxTurns: 16,
  maxLines: 100_000,
  maxFrames: 512,
};

const text = z.string().min(1).max(DATA_LIMITS.maxText);
const message = z.object({ role: z.enum(['user', 'assistant']), content: text }).strict();
const common = {
  messages: z
    .array(message)
    .min(2)
    .max(2 * DATA_LIMITS.maxTurns),
  weight: z.number().positive().max(100).optional(),
  task: z.enum(['caption', 'point', 'count', 'track', 'qa']).optional(),
  /** Molmo2's data-formatter style of the question (as inference's task prompts set it, e.g. video_point_count). */
  style: z
    .string()
    .regex(/^[a-z0-9_]{1,64}$/, 'a style is 1–64 of a-z, 0-9 and _')
    .optional(),
};
const seconds = z.number().min(0).max(DATA_LIMITS.maxSeconds);
const path = z.string().min(1).max(4096);
const videoLine = z
  .object({
    video: path,
    start: seconds.optional(),
    end: seconds.optional(),
    times: z.array(seconds).min(1).max(DATA_LIMITS.maxFrames).optional(),
    ...common,
  })
  .strict()
  .refine((v) => (v.start === undefined) === (v.end === undefined), 'give both "start" and "end" or neither')
  .refine((v) => v.start === undefined || v.end! - v.start >= 1, '"end" must be at least 1 s after "start"')
  .refine(
    (v) => v.times === undefined || (v.start !== undefined && timesInside(v.times, v.start, v.end!)),
    '"times" needs "start"/"end" and must rise strictly inside [start, end]',
  );

function timesInside(times: number[], start: number, end: number): boolean {
  return times.every((t, i) => t >= start && t <= end && (i === 0 || t > times[i - 1]!));
}
const imageLine = z.object({ image: path, ...common }).strict();
const imagesLine = z.object({ images: z.array(path).min(1).max(DATA_LIMITS.maxImages), ...common }).strict();

/** A video window (with explicit frame times in file seconds when the line gives them) or images. */
export type Media =
  { kind: 'video'; file: string; start?: number; end?: number; times?: number[] } | { kind: 'images'; files: string[] };

/** One validated line. */
export interface DataLine {
  line: number;
  media: Media;
  /** Earlier turns (shown, no loss). */
  history: Array<{ role: 'user' | 'assistant'; text: string }>;
  question: string;
  answer: string;
  weight?: number;
  task?: 'caption' | 'point' | 'count' | 'track' | 'qa';
  style?: string;
}

export interface BadLine {
  line: number;
  reason: string;
}

function checkTurns(msgs: Array<{ role: string; content: string }>): string | null {
  for (let i = 0; i < msgs.length; i++)
    if (msgs[i]!.role !== (i % 2 === 0 ? 'user' : 'assistant'))
      return `message ${i + 1} should be "${i % 2 === 0 ? 'user' : 'assistant'}" (turns alternate, user first, assistant last)`;
  return msgs.length % 2 === 0 ? null : 'the last message must be the assistant answer';
}

function fileProblem(file: string): string | null {
  if (!existsSync(file)) return `file not found: ${file}`;
  return statSync(file).isFile() ? null : `not a file: ${file}`;
}

function parseOne(raw: string, line: number, baseDir: string): DataLine | BadLine {
  if (Buffer.byteLength(raw) > DATA_LIMITS.maxLineBytes)
    return { line, reason: `line is longer than ${DATA_LIMITS.maxLineBytes} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { line, reason: `not JSON: ${(err as Error).message}` };
  }
  const kind =
    json && typeof json === 'object'
      ? 'video' in json
        ? videoLine
        : 'images' in json
          ? imagesLine
          : 'image' in json
            ? imageLine
            : null
      : null;
  if (!kind) return { line, reason: 'needs "video", "image" or "images"' };
  const r = kind.safeParse(json);
  if (!r.success)
    return { line, reason: r.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ') };
  const v = r.data as z.infer<typeof imagesLine> & Partial<z.infer<typeof videoLine>> & { image?: string };
  const turns = checkTurns(v.messages);
  if (turns) return { line, reason: turns };
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const files = v.video !== undefined ? [abs(v.video)] : (v.images ?? [v.image!]).map(abs);
  for (const f of files) {
    const p = fileProblem(f);
    if (p) return { line, reason: p };
  }
  const window = v.start !== undefined ? { start: v.start, end: v.end!, ...(v.times ? { times: v.times } : {}) } : {};
  const media: Media =
    v.video !== undefined ? { kind: 'video', file: files[0]!, ...window } : { kind: 'images', files };
  const msgs = v.messages;
  return {
    line,
    media,
    history: msgs.slice(0, -2).map((m) => ({ role: m.role, text: m.content })),
    question: msgs[msgs.length - 2]!.content,
    answer: msgs[msgs.length - 1]!.content,
    ...(v.weight !== undefined ? { weight: v.weight } : {}),
    ...(v.task !== undefined ? { task: v.task } : {}),
    ...(v.style !== undefined ? { style: v.style } : {}),
  };
}

/** Parses a JSONL file's text; relative media paths are resolved against the file's directory. Blank lines are skipped. */
export function parseDataset(content: string, file: string): { lines: DataLine[]; bad: BadLine[] } {
  const lines: DataLine[] = [];
  const bad: BadLine[] = [];
  const rows = content.split(/\r?\n/);
  if (rows.length > DATA_LIMITS.maxLines)
    return { lines, bad: [{ line: DATA_LIMITS.maxLines + 1, reason: `more than ${DATA_LIMITS.maxLines} lines` }] };
  rows.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const r = parseOne(raw, i + 1, dirname(file));
    if ('reason' in r) bad.push(r);
    else lines.push(r);
  });
  return { lines, bad };
}

/**
 * Per-token loss weight, Molmo2's SFT rules: an explicit "weight" wins; captions 0.1; points, counts and tracks
 * 0.2 (also inferred from a <points>/<tracks> answer); any other answer 2/√n for its n loss tokens.
 */
export function tokenWeight(l: DataLine, nLossTokens: number): number {
  if (l.weight !== undefined) return l.weight;
  if (l.task === 'caption') return 0.1;
  if (l.task === 'point' || l.task === 'count' || l.task === 'track' || /<(points|tracks)\b/.test(l.answer)) return 0.2;
  return 2 / Math.sqrt(nLossTokens);
}
