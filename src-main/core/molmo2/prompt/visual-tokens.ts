// Token strings that replace the <|image|> and <|video|> placeholders (Molmo2Processor.get_image_tokens /
// get_video_string, processing_molmo2.py:114-179), honouring processor_config.json's layout flags.
import type { Molmo2ProcessorConfig } from '../checkpoint/config.js';
import { formatTimestamp } from './py-format.js';

export const TOKENS = {
  imPatch: '<im_patch>',
  imLow: '<im_low>',
  imStart: '<im_start>',
  lowResImStart: '<low_res_im_start>',
  frameStart: '<frame_start>',
  imEnd: '<im_end>',
  frameEnd: '<frame_end>',
  imCol: '<im_col>',
  imagePlaceholder: '<|image|>',
  videoPlaceholder: '<|video|>',
} as const;

/** The token string of one image: low-res block (global crop) then high-res block with column tokens. */
export function imageTokenString(
  grid: readonly [number, number, number, number],
  p: Molmo2ProcessorConfig,
  useLowResToken = false,
): string {
  const [lowH, lowW, highH, highW] = grid;
  const highRow = TOKENS.imPatch.repeat(highW) + (p.image_use_col_tokens ? TOKENS.imCol : '');
  const high = TOKENS.imStart + highRow.repeat(highH) + TOKENS.imEnd;
  const lowCol = p.use_single_crop_col_tokens ?? p.image_use_col_tokens;
  const lowRow = (useLowResToken ? TOKENS.imLow : TOKENS.imPatch).repeat(lowW) + (lowCol ? TOKENS.imCol : '');
  const start = p.use_single_crop_start_token ? TOKENS.lowResImStart : TOKENS.imStart;
  return start + lowRow.repeat(lowH) + TOKENS.imEnd + high;
}

/** The prefix text before frame k: first frame "t ", later frames " t " (t printed like Python's "%.1f"). */
export function framePrefix(k: number, time: number): string {
  return (k > 0 ? ' ' : '') + formatTimestamp(time) + ' ';
}

/** The token string of a whole video: per frame, its timestamp prefix and one wrapped block of pooled tokens. */
export function videoTokenString(
  times: readonly number[],
  frameGrid: readonly [number, number],
  p: Molmo2ProcessorConfig,
): string {
  const [h, w] = frameGrid;
  const start = p.use_frame_special_tokens ? TOKENS.frameStart : TOKENS.imStart;
  const end = p.use_frame_special_tokens ? TOKENS.frameEnd : TOKENS.imEnd;
  const block = start + (TOKENS.imPatch.repeat(w) + (p.video_use_col_tokens ? TOKENS.imCol : '')).repeat(h) + end;
  let s = '';
  for (const [k, t] of times.entries()) s += framePrefix(k, t) + block;
  return s;
}

/** Replaces runs of <im_patch> by "<im_patch>×N" for display. */
export function collapsePatches(text: string): string {
  return text.replace(/(?:<im_patch>)+/g, (m) => `<im_patch>×${m.length / TOKENS.imPatch.length}`);
}
