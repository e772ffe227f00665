// Training data: one JSON example per line (video window or images + user/assistant messages + optional weight, or
// several such answers on the clip as a message tree), validated line by line, then tokenised in the training layout —
// the inference prompt with its generation prompt, then the answer, then <|im_end|>; loss on the answer and end token.
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
  /** Answers of one tree line (each is a branch of one training sequence; the token limit applies to the whole). */
  maxAnswers: 64,
};

const text = z.string().min(1).max(DATA_LIMITS.maxText);
const message = z.object({ role: z.enum(['user', 'assistant']), content: text }).strict();
/** The fields of one answer: at the top of a single-answer line, or each entry of a tree line's "answers". */
const answerFields = {
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
  /** Where the answer came from (the library's export writes "example:<id>"); kept for tracing, not trained on. */
  ref: z.string().min(1).max(200).optional(),
};
/** Several answers on one clip: one message tree, the clip's tokens shared, each answer a branch. */
const treeFields = {
  answers: z
    .array(z.object(answerFields).strict())
    .min(1, 'a tree line needs at least one answer')
    .max(DATA_LIMITS.maxAnswers, `a tree line has at most ${DATA_LIMITS.maxAnswers} answers`),
};
const seconds = z.number().min(0).max(DATA_LIMITS.maxSeconds);
const path = z.string().min(1).max(4096);
const videoFields = {
  video: path,
  start: seconds.optional(),
  end: seconds.optional(),
  times: z.array(seconds).min(1).max(DATA_LIMITS.maxFrames).optional(),
};
type VideoWindow = { start?: number | undefined; end?: number | undefined; times?: number[] | undefined };

/** What is wrong with a video line's window (start/end/times), or null. */
function windowProblem(v: VideoWindow): string | null {
  if ((v.start === undefined) !== (v.end === undefined)) return 'give both "start" and "end" or neither';
  if (v.start !== undefined && v.end !== undefined && v.end - v.start < 1)
    return '"end" must be at least 1 s after "start"';
  if (v.times !== undefined && (v.start === undefined || v.end === undefined || !timesInside(v.times, v.start, v.end)))
    return '"times" needs "start"/"end" and must rise strictly inside [start, end]';
  return null;
}

function timesInside(times: number[], start: number, end: number): boolean {
  return times.every((t, i) => t >= start && t <= end && (i === 0 || t > times[i - 1]!));
}
const imageFields = { image: path };
const imagesFields = { images: z.array(path).min(1).max(DATA_LIMITS.maxImages) };
const LINE_SCHEMAS = {
  single: {
    video: z.object({ ...videoFields, ...answerFields }).strict(),
    image: z.object({ ...imageFields, ...answerFields }).strict(),
    images: z.object({ ...imagesFields, ...answerFields }).strict(),
  },
  tree: {
    video: z.object({ ...videoFields, ...treeFields }).strict(),
    image: z.object({ ...imageFields, ...treeFields }).strict(),
    images: z.object({ ...imagesFields, ...treeFields }).strict(),
  },
};

/** A video window (with explicit frame times in file seconds when the line gives them) or images. */
export type Media =
  { kind: 'video'; file: string; start?: number; end?: number; times?: number[] } | { kind: 'images'; files: string[] };

/** One answer of a line: its question (with earlier turns) and the target. */
export interface LineAnswer {
  /** Earlier turns (shown, no loss). */
  history: Array<{ role: 'user' | 'assistant'; text: string }>;
  question: string;
  answer: string;
  weight?: number;
  task?: 'caption' | 'point' | 'count' | 'track' | 'qa';
  style?: string;
  ref?: string;
}

/** One validated line: a clip and its answers (one for a plain line, 1…maxAnswers for a tree line). */
export interface DataLine {
  line: number;
  media: Media;
  answers: LineAnswer[];
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

type AnswerJson = z.infer<z.ZodObject<typeof answerFields>>;

/** The turns of one answer checked and split into history, question and answer. */
function lineAnswer(a: AnswerJson, where: string): LineAnswer | string {
  const turns = checkTurns(a.messages);
  if (turns) return `${where}${turns}`;
  const msgs = a.messages;
  return {
    history: msgs.slice(0, -2).map((m) => ({ role: m.role, text: m.content })),
    question: msgs[msgs.length - 2]!.content,
    answer: msgs[msgs.length - 1]!.content,
    ...(a.weight !== undefined ? { weight: a.weight } : {}),
    ...(a.task !== undefined ? { task: a.task } : {}),
    ...(a.style !== undefined ? { style: a.style } : {}),
    ...(a.ref !== undefined ? { ref: a.ref } : {}),
  };
}

/** The schema a parsed JSON value is checked against (by its media key and answer shape), or why there is none. */
function schemaOf(json: unknown): z.ZodTypeAny | string {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return 'needs "video", "image" or "images"';
  const media = 'video' in json ? 'video' : 'images' in json ? 'images' : 'image' in json ? 'image' : null;
  if (!media) return 'needs "video", "image" or "images"';
  if ('answers' in json && 'messages' in json)
    return 'give either "messages" (one answer) or "answers" (a tree), not both';
  return LINE_SCHEMAS['answers' in json ? 'tree' : 'single'][media];
}

type LineJson = AnswerJson &
  VideoWindow & { video?: string; image?: string; images?: string[]; answers?: AnswerJson[] };

function parseOne(raw: string, line: number, baseDir: string): DataLine | BadLine {
  if (Buffer.byteLength(raw) > DATA_LIMITS.maxLineBytes)
    return { line, reason: `line is longer than ${DATA_LIMITS.maxLineBytes} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { line, reason: `not JSON: ${(err as Error).message}` };
  }
  const schema = schemaOf(json);
  if (typeof schema === 'string') return { line, reason: schema };
  const r = schema.safeParse(json);
  if (!r.success)
    return { line, reason: r.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ') };
  const v = r.data as LineJson;
  const window = v.video !== undefined ? windowProblem(v) : null;
  if (window) return { line, reason: `line: ${window}` };
  const answers: LineAnswer[] = [];
  for (const [i, a] of (v.answers ?? [v]).entries()) {
    const got = lineAnswer(a, v.answers ? `answers.${i}: ` : '');
    if (typeof got === 'string') return { line, reason: got };
    answers.push(got);
  }
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const files = v.video !== undefined ? [abs(v.video)] : (v.images ?? [v.image!]).map(abs);
  for (const f of files) {
    const p = fileProblem(f);
    if (p) return { line, reason: p };
  }
  const span = v.start !== undefined ? { start: v.start, end: v.end!, ...(v.times ? { times: v.times } : {}) } : {};
  const media: Media = v.video !== undefined ? { kind: 'video', file: files[0]!, ...span } : { kind: 'images', files };
  return { line, media, answers };
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
 * 0.2 (also inferred from a <points>/<tracks> answer); any other answer 2/√n for its n loss tokens. In a tree of
 * k ≥ 2 answers that last rule is Molmo2's `root_subsegments` one (text_preprocessor.py 96-114, 168-173): n counts
 * the answer without its end token (the branch is tokenised without it) and the weight is divided by √k.
 */
export function tokenWeight(a: LineAnswer, nLossTokens: number, answersInTree = 1): number {
  if (a.weight !== undefined) return a.weight;
  if (a.task === 'caption') return 0.1;
  if (a.task === 'point' || a.task === 'count' || a.task === 'track' || /<(points|tracks)\b/.test(a.answer)) return 0.2;
  if (answersInTree <= 1) return 2 / Math.sqrt(nLossTokens);
  return 2 / Math.sqrt(Math.max(1, nLossTokens - 1)) / Math.sqrt(answersInTree);
}
