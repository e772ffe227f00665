// The real Captioner: one window → Molmo2's video caption prompt on the window's sample frames, greedy with the
// repeat guard, through the host's shared Molmo2Session. modelId is a content identity of the checkpoint.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { Molmo2Session } from '../molmo2/session.js';
import { JOB_STREAM_EVERY, type WindowPartials } from '../molmo2/partial-stream.js';
import type { Captioner, CaptionResult, CaptionWindow, PromptKind } from './captioner.js';
import { partialContentHash } from './content-hash.js';

/**
 * New-token budgets per tier. Dense: the authors' dense-caption eval budget (448, molmo2-inference.md §6), enough for
 * the multi-sentence descriptions the real model writes for a minute of video. Short: one or two sentences.
 */
export const TIER_MAX_NEW_TOKENS: Record<PromptKind, number> = { dense: 448, short: 64 };

/** Repeats of one p-gram that stop generation (the in-graph guard): random or confused weights loop on phrases. */
export const CAPTION_REPEAT_GUARD = 4;

/**
 * The model id captions are stored under: "<folder name>@<hash>" over the checkpoint's JSON configs and the partial
 * content hash of every weight shard (size + first/middle/last MiB, which include the safetensors header). Moving or
 * touching the folder keeps it; replacing the weights or the config changes it, so resume never mixes captions of two
 * models. (Unlike platform/model-cache's checkpointCacheKey, which also changes with a shard's mtime, so a compiled
 * graph is never reused for weights written over in place.) Reads up to 3 MiB per shard: callers memoise it.
 */
export function checkpointContentId(modelDir: string): string {
  const dir = resolve(modelDir);
  if (!existsSync(join(dir, 'config.json')))
    throw new AppError('MODEL_INVALID', `${dir} has no config.json; it is not a Molmo2 checkpoint.`);
  const h = createHash('sha256');
  const files = readdirSync(dir).sort();
  for (const f of files) {
    if (f.endsWith('.json') && f !== 'molmoscope-tiny.json')
      h.update(`${f}\0`)
        .update(readFileSync(join(dir, f)))
        .update('\0');
    else if (f.endsWith('.safetensors')) h.update(`${f}\0${partialContentHash(join(dir, f))}\0`);
  }
  return `${basename(dir)}@${h.digest('hex').slice(0, 16)}`;
}

export interface Molmo2CaptionerOptions {
  tier: PromptKind;
  modelId: string;
  /** Override the tier's token budget (benchmarks, tests). */
  maxNewTokens?: number;
  /** Override the repeat guard (0 = off: benchmarks that must generate the whole budget). */
  repeatGuard?: number;
  /**
   * Streams each window's caption as it is written (tokens in Loop chunks of `streamEvery`, default JOB_STREAM_EVERY);
   * the stored caption is the same text, streamed or not.
   */
  partials?: { window(index: number, where: { recordingId: number }): WindowPartials; streamEvery?: number };
}

/** A Captioner over an open session (the host's shared one). */
export function molmo2Captioner(session: Molmo2Session, opts: Molmo2CaptionerOptions): Captioner {
  const maxNewTokens = opts.maxNewTokens ?? TIER_MAX_NEW_TOKENS[opts.tier];
  return {
    modelId: opts.modelId,
    promptKind: opts.tier,
    async caption(w: CaptionWindow, signal: AbortSignal): Promise<CaptionResult> {
      if (w.sampleTimes.length === 0)
        throw new AppError('INVALID_INPUT', `window ${w.index} of recording ${w.recordingId} has no sample times`);
      const live = opts.partials?.window(w.index, { recordingId: w.recordingId });
      const stream = live
        ? {
            streamEvery: opts.partials!.streamEvery ?? JOB_STREAM_EVERY,
            onPartialText: (t: string) => live.partial(t.trimStart()),
          }
        : {};
      // The window is shown as its own clip: timestamps from 0, as Molmo2 saw clips in training.
      const a = await session.askVideo(
        {
          file: w.path,
          times: w.sampleTimes,
          offset: w.start,
          task: { kind: 'caption', length: opts.tier === 'short' ? 'short' : 'long' },
        },
        { maxNewTokens, temperature: 0, repeatGuard: opts.repeatGuard ?? CAPTION_REPEAT_GUARD, ...stream },
        signal,
      );
      live?.final(a.text.trim());
      const t = a.timings;
      const timings: Record<string, number> = {
        preprocess: t.preprocess,
        vision: t.vision,
        generate: t.generate,
        promptTokens: a.promptTokens,
      };
      if (t.prefill !== null) timings.prefill = t.prefill;
      if (t.decode !== null) timings.decode = t.decode;
      return { text: a.text.trim(), tokens: a.tokens, timings, modelId: opts.modelId, promptKind: opts.tier };
    },
  };
}
