// Optional second search stage: re-checks the top K moments with Molmo2 — a yes/no question about the query on the
// window of each moment's best caption — and attaches the answer as evidence with its cost (ms, tokens).
import { AppError, throwIfCancelled } from '../../api/errors.js';
import type { Molmo2Session } from '../molmo2/session.js';
import { toFtsQuery } from './fts-query.js';
import type { Moment } from './search.js';
import type { Library } from './store.js';
import { captionPlaces } from './captions-store.js';

export type Verdict = 'yes' | 'no' | 'unclear';

export interface Evidence {
  question: string;
  answer: string;
  verdict: Verdict;
  /** Wall time of this check (frame decoding included), ms. */
  ms: number;
  /** Generated tokens. */
  tokens: number;
  /** The window that was shown to the model. */
  windowStart: number;
  windowEnd: number;
}

export interface VerifiedSearch {
  moments: Array<Moment & { evidence?: Evidence }>;
  cost: { checked: number; ms: number; tokens: number };
}

/** Answers are short (academic style); a few tokens hold "yes"/"no" and a stray period. */
const VERIFY_MAX_NEW_TOKENS = 8;

/** The yes/no question for a search query (search syntax — quotes, *, OR — removed). */
export function verifyQuestion(query: string): string {
  const { terms } = toFtsQuery(query);
  const what = (terms.length ? terms.join(' ') : query).trim();
  return `Does this video show ${what}? Answer yes or no.`;
}

/** The verdict in a model answer: its first word is yes or no, else unclear. */
export function verdictOf(answer: string): Verdict {
  const first = /^[\s"'([]*([A-Za-z]+)/.exec(answer)?.[1]?.toLowerCase();
  return first === 'yes' ? 'yes' : first === 'no' ? 'no' : 'unclear';
}

const ORDER: Record<Verdict, number> = { yes: 0, unclear: 1, no: 2 };

/**
 * Checks the first `topK` moments; within them, "yes" moves ahead of "unclear" ahead of "no" (stable by score).
 * Moments after the top K are returned unchanged.
 */
export async function verifyMoments(
  lib: Library,
  session: Molmo2Session,
  query: string,
  moments: Moment[],
  topK: number,
  signal?: AbortSignal,
): Promise<VerifiedSearch> {
  const question = verifyQuestion(query);
  const placeOf = captionPlaces(lib.db);
  const head: Array<Moment & { evidence?: Evidence }> = [];
  let ms = 0;
  let tokens = 0;
  for (const m of moments.slice(0, topK)) {
    throwIfCancelled(signal);
    const captionId = m.captionIds[0];
    const w = captionId === undefined ? undefined : placeOf(captionId);
    if (!w) throw new AppError('NOT_FOUND', `caption ${m.captionIds[0]} vanished while verifying`);
    const t0 = performance.now();
    const a = await session.askVideo(
      {
        file: w.path,
        times: JSON.parse(w.sample_times) as number[],
        offset: w.start_s,
        task: { kind: 'qa', question, academic: true },
      },
      { maxNewTokens: VERIFY_MAX_NEW_TOKENS, temperature: 0, repeatGuard: 4 },
      signal,
    );
    const took = performance.now() - t0;
    ms += took;
    tokens += a.tokens;
    head.push({
      ...m,
      evidence: {
        question,
        answer: a.text.trim(),
        verdict: verdictOf(a.text),
        ms: took,
        tokens: a.tokens,
        windowStart: w.start_s,
        windowEnd: w.end_s,
      },
    });
  }
  head.sort((x, y) => ORDER[x.evidence!.verdict] - ORDER[y.evidence!.verdict]);
  return { moments: [...head, ...moments.slice(topK)], cost: { checked: head.length, ms, tokens } };
}
