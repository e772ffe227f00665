// Builds the model input for an image/multi-image or video question: template → placeholder expansion →
// tokenization → BOS insertion → token types, plus pixels and pooling (processing_molmo2.py:250-398).
import { AppError, throwIfCancelled } from '../../../api/errors.js';
import type { Molmo2Checkpoint } from '../checkpoint/load.js';
import type { Molmo2Tokenizer } from '../tokenizer/tokenizer.js';
import { preprocessImage } from '../preprocess/image.js';
import { frameTokenGrid, videoPixels, videoPooling } from '../preprocess/video.js';
import type { RgbImage } from '../preprocess/resize.js';
import { renderChat, type ChatMessage, type ContentPart } from './chat-template.js';
import { collapsePatches, imageTokenString, TOKENS, videoTokenString } from './visual-tokens.js';
import { at } from '../../../api/at.js';

export interface ModelInput {
  inputIds: Int32Array;
  /** 1 where the id is a visual token (<im_patch>, <im_col>, <im_start>, <low_res_im_start>, <frame_start>, <im_end>, <frame_end>, <im_low>). */
  tokenTypeIds: Uint8Array;
  /** [nCrops, 729, 588] float32 in [−1, 1]. */
  pixelValues: Float32Array;
  nCrops: number;
  /** [nTokens, poolK] patch ids into pixelValues viewed as [nCrops·729] patches (−1 = none); row i feeds the i-th <im_patch>. */
  pooling: Int32Array;
  poolK: number;
  /** Per image (lowH, lowW, highH, highW). */
  imageGrids?: Array<[number, number, number, number]>;
  /** Crops per image (multi-image), in order. */
  cropsPerImage?: number[];
  /** (frames, h, w) for a video. */
  videoGrid?: [number, number, number];
  /** Frame timestamps (seconds) shown to the model. */
  timestamps?: number[];
  /** The rendered template before placeholder expansion. */
  prompt: string;
  /** The expanded prompt with runs of <im_patch> collapsed to "<im_patch>×N" (BOS shown as its token). */
  text: string;
}

interface Common {
  checkpoint: Molmo2Checkpoint;
  tokenizer: Molmo2Tokenizer;
  question: string;
  /** A data-formatter style for the question's text part (e.g. 'vqa2'); styles outside DEMO_STYLES become a prefix. */
  style?: string;
  /** Earlier turns (user/assistant strings), oldest first; the media attach to the first user turn. */
  history?: Array<{ role: 'user' | 'assistant'; text: string }>;
  signal?: AbortSignal;
}

function messagesFor(media: ContentPart[], o: Common): ChatMessage[] {
  const q: ContentPart =
    o.style === undefined ? { type: 'text', text: o.question } : { type: 'text', text: o.question, style: o.style };
  const hist = o.history ?? [];
  if (hist.length === 0) return [{ role: 'user', content: [...media, q] }];
  const msgs: ChatMessage[] = hist.map((h, i) => ({
    role: h.role,
    content: i === 0 ? [...media, { type: 'text', text: h.text }] : h.text,
  }));
  msgs.push({ role: 'user', content: [q] });
  return msgs;
}

/** Checks that the tokenizer agrees with config.json on the special ids (a mismatched tokenizer corrupts prompts). */
function checkIds(ck: Molmo2Checkpoint, tok: Molmo2Tokenizer): void {
  const pairs: Array<[string, number]> = [
    [TOKENS.imPatch, ck.specialIds.imPatch],
    [TOKENS.imStart, ck.specialIds.imStart],
    [TOKENS.imEnd, ck.specialIds.imEnd],
    [TOKENS.imCol, ck.specialIds.imCol],
    [TOKENS.lowResImStart, ck.specialIds.lowResImStart],
    [TOKENS.frameStart, ck.specialIds.frameStart],
    [TOKENS.frameEnd, ck.specialIds.frameEnd],
    [TOKENS.imLow, ck.specialIds.imLow],
  ];
  for (const [t, id] of pairs) {
    const got = tok.idOf(t);
    if (got !== id) throw new AppError('MODEL_INVALID', `tokenizer maps ${t} to ${got}, config.json says ${id}`);
  }
}

/** Tokenizes the expanded prompt, inserts BOS unless already first, and marks visual token types. */
export function tokenizePrompt(
  ck: Molmo2Checkpoint,
  tok: Molmo2Tokenizer,
  expanded: string,
): { inputIds: Int32Array; tokenTypeIds: Uint8Array } {
  const ids = tok.encode(expanded);
  const bos = ck.specialIds.bos;
  const withBos = ids.length > 0 && ids[0] === bos ? ids : [bos, ...ids];
  const s = ck.specialIds;
  const visual = new Set<number>([
    s.imPatch,
    s.imCol,
    s.imStart,
    s.lowResImStart,
    s.frameStart,
    s.imEnd,
    s.frameEnd,
    s.imLow,
  ]);
  const inputIds = Int32Array.from(withBos);
  const tokenTypeIds = new Uint8Array(inputIds.length);
  for (let i = 0; i < inputIds.length; i++) tokenTypeIds[i] = visual.has(inputIds[i]!) ? 1 : 0;
  const max = ck.config.text_config.max_position_embeddings;
  if (inputIds.length > max)
    throw new AppError('PROMPT_TOO_LONG', `the prompt has ${inputIds.length} tokens; the model's context is ${max}`);
  return { inputIds, tokenTypeIds };
}

function finish(
  ck: Molmo2Checkpoint,
  tok: Molmo2Tokenizer,
  prompt: string,
  expanded: string,
  poolRows: number,
): { inputIds: Int32Array; tokenTypeIds: Uint8Array; text: string } {
  const { inputIds, tokenTypeIds } = tokenizePrompt(ck, tok, expanded);
  let patches = 0;
  for (let i = 0; i < inputIds.length; i++) if (inputIds[i] === ck.specialIds.imPatch) patches++;
  if (patches !== poolRows)
    throw new AppError('INTERNAL', `prompt has ${patches} <im_patch> tokens but ${poolRows} pooled features`);
  const bosText = tok.tokenOf(ck.specialIds.bos) ?? '';
  const text = collapsePatches(
    (inputIds[0] === ck.specialIds.bos && !expanded.startsWith(bosText) ? bosText : '') + expanded,
  );
  return { inputIds, tokenTypeIds, text };
}

/** Builds the model input for one or more images and a question. */
export function buildImagePrompt(o: Common & { images: RgbImage[] }): ModelInput {
  const ck = o.checkpoint;
  checkIds(ck, o.tokenizer);
  if (o.images.length === 0) throw new AppError('INVALID_INPUT', 'buildImagePrompt needs at least one image');
  const prompt = renderChat(
    ck.chatTemplate,
    messagesFor(
      o.images.map(() => ({ type: 'image' }) as ContentPart),
      o,
    ),
  );
  const per = o.images.map((img) => {
    throwIfCancelled(o.signal);
    return preprocessImage(img, ck.preprocessor, o.signal);
  });
  const nCrops = per.reduce((a, p) => a + p.nCrops, 0);
  const first = at(per, 0, 'preprocessed image');
  const cropLen = first.pixelValues.length / first.nCrops;
  const pixelValues = new Float32Array(nCrops * cropLen);
  const pooling = new Int32Array(per.reduce((a, p) => a + p.pooling.length, 0));
  let crop = 0,
    po = 0;
  const patchesPerCrop = ck.config.vit_config.image_num_pos;
  for (const p of per) {
    pixelValues.set(p.pixelValues, crop * cropLen);
    // Offsets make indices global over all crops; the HF model adds the same per-image offsets itself.
    const off = crop * patchesPerCrop;
    for (let i = 0; i < p.pooling.length; i++) pooling[po + i] = p.pooling[i]! < 0 ? -1 : p.pooling[i]! + off;
    po += p.pooling.length;
    crop += p.nCrops;
  }
  let k = 0;
  const expanded = prompt.replace(/<\|image\|>/g, () => {
    if (k >= per.length)
      throw new AppError('INVALID_INPUT', 'the template emitted more <|image|> placeholders than images');
    return imageTokenString(at(per, k++, 'preprocessed image').grid, ck.processor);
  });
  if (k !== per.length)
    throw new AppError('INVALID_INPUT', `the template emitted ${k} <|image|> placeholders for ${per.length} images`);
  const poolK = first.poolK;
  const fin = finish(ck, o.tokenizer, prompt, expanded, pooling.length / poolK);
  return {
    ...fin,
    pixelValues,
    nCrops,
    pooling,
    poolK,
    prompt,
    imageGrids: per.map((p) => p.grid),
    cropsPerImage: per.map((p) => p.nCrops),
  };
}

/** A video question: frames (with their requested sample times) and optionally the source frame rate. */
export type VideoPromptOptions = Common & { frames: Array<RgbImage & { time: number }>; fps?: number };

/** A video prompt without its pixels: what `buildVideoPrompt` gives but `pixelValues`, which `videoPixels` computes. */
export type VideoPromptInput = Omit<ModelInput, 'pixelValues'>;

/**
 * Builds the model input for a video (frames with their requested sample times) and a question. With `fps` (the
 * source frame rate as the decoder reports it) the shown times are (t·fps)/fps, exactly as transformers'
 * VideoMetadata.timestamps recomputes them from frames_indices = t·fps — which can move an exact tie by one ulp
 * (63.25 s at 29.97 fps prints "63.3", not "63.2").
 */
export function buildVideoPrompt(o: VideoPromptOptions): ModelInput {
  const p = buildVideoPromptWithoutPixels(o);
  return { ...p, pixelValues: videoPixels(o.frames, o.checkpoint.videoPreprocessor, o.signal) };
}

/**
 * `buildVideoPrompt` less the pixels: tokens, pooling, grid and times only (cheap), so the pixels can be computed
 * where the model runs (the engine process) instead of on the caller's thread.
 */
export function buildVideoPromptWithoutPixels(o: VideoPromptOptions): VideoPromptInput {
  const ck = o.checkpoint;
  checkIds(ck, o.tokenizer);
  if (o.frames.length === 0) throw new AppError('INVALID_INPUT', 'buildVideoPrompt needs at least one frame');
  const prompt = renderChat(ck.chatTemplate, messagesFor([{ type: 'video' }], o));
  const v = videoPooling(o.frames.length, ck.videoPreprocessor);
  const fps = o.fps;
  const times = o.frames.map((f) => (fps && fps > 0 ? (f.time * fps) / fps : f.time));
  const vs = videoTokenString(times, frameTokenGrid(ck.videoPreprocessor), ck.processor);
  const parts = prompt.split(TOKENS.videoPlaceholder);
  if (parts.length !== 2)
    throw new AppError(
      'INVALID_INPUT',
      `the template emitted ${parts.length - 1} <|video|> placeholders; exactly one is supported`,
    );
  const expanded = parts[0] + vs + parts[1];
  const fin = finish(ck, o.tokenizer, prompt, expanded, v.pooling.length / v.poolK);
  return {
    ...fin,
    nCrops: o.frames.length,
    pooling: v.pooling,
    poolK: v.poolK,
    videoGrid: v.grid,
    timestamps: times,
    prompt,
  };
}
