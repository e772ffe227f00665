// What the indexing job needs from the model engine: a caption for one window of one recording.
// molmo2-captioner.ts implements it over the Molmo2 engine.
import type { Seconds } from '../../api/units.js';

/** 'dense' = Molmo2's dense video caption prompt; 'short' = the one-sentence tier. */
export type PromptKind = 'dense' | 'short';

/** The window a captioner looks at: which file, which span, which frame times. */
export interface CaptionWindow {
  recordingId: number;
  path: string;
  index: number;
  start: Seconds;
  end: Seconds;
  sampleTimes: Seconds[];
}

export interface CaptionResult {
  text: string;
  /** Generated tokens. */
  tokens: number;
  /** Named durations in ms (e.g. decode, vision, prefill, generate); stored as JSON. */
  timings: Record<string, number>;
  modelId: string;
  promptKind: PromptKind;
}

export interface Captioner {
  /** The model id stored with every caption (e.g. "allenai/Molmo2-4B@<rev>"); resume keys on it. */
  readonly modelId: string;
  readonly promptKind: PromptKind;
  /** Captions one window; honours the signal; GPU trouble is AppError GPU_OOM / ENGINE_CRASHED / PROVIDER_UNAVAILABLE. */
  caption(window: CaptionWindow, signal: AbortSignal): Promise<CaptionResult>;
}
