// `molmoscope prompt`: builds the exact Molmo2 model input for images or a video and a question, and reports it.
// Shows token counts and types and the prompt text with <im_patch> runs collapsed; no model math runs.
import { resolve } from 'node:path';
import { modelDirFlag } from '../model-flag.js';
import { AppError } from '../../api/errors.js';
import { loadCheckpoint } from '../../core/molmo2/checkpoint/load.js';
import { loadTokenizer } from '../../core/molmo2/tokenizer/tokenizer.js';
import { buildImagePrompt, buildVideoPrompt, type ModelInput } from '../../core/molmo2/prompt/build.js';
import { loadImageRgb } from '../../core/molmo2/prompt/image-source.js';
import { loadVideoFrames } from '../../core/molmo2/prompt/frame-source.js';
import { withCliContext } from '../cli-context.js';
import type { Molmo2Checkpoint } from '../../core/molmo2/checkpoint/load.js';
import { numberFlag, onePositional, parseFlags, printJson, type Command } from '../command.js';

const usage = `Usage:
  molmoscope prompt [--model DIR] (--image FILE [--image FILE …] | --video FILE) "question" [--style STYLE] [--frames N] [--json]
      Build the model input exactly as the reference processor would (chat template, visual tokens, BOS, token
      types, pixels, pooling) and print its summary: token count, token types, the text with patches collapsed.
      --style   a data-formatter style for the question (e.g. vqa2 → "vqa2: " prefix; demo styles add none)
      --frames  maximum frames to sample from a video (default: the checkpoint's num_frames, 384)
`;

/** Counts each visual token kind and plain text tokens. */
export function tokenTypeSummary(m: ModelInput, ck: Molmo2Checkpoint): Record<string, number> {
  const s = ck.specialIds;
  const names: Array<[string, number]> = [
    ['imPatch', s.imPatch],
    ['imCol', s.imCol],
    ['imStart', s.imStart],
    ['imEnd', s.imEnd],
    ['lowResImStart', s.lowResImStart],
    ['frameStart', s.frameStart],
    ['frameEnd', s.frameEnd],
    ['imLow', s.imLow],
  ];
  const counts = new Map<string, number>([['text', 0], ['visual', 0], ...names.map(([n]): [string, number] => [n, 0])]);
  const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const [i, token] of m.inputIds.entries()) {
    if (m.tokenTypeIds[i]) {
      bump('visual');
      const hit = names.find(([, id]) => id === token);
      if (hit) bump(hit[0]);
    } else bump('text');
  }
  return Object.fromEntries(counts);
}

export const promptCommand: Command = {
  name: 'prompt',
  summary: 'Build and show the exact Molmo2 model input for images or a video and a question.',
  usage,
  async run(argv, io, signal) {
    const { values, positionals } = parseFlags(argv, {
      model: { type: 'string' },
      image: { type: 'string', multiple: true },
      video: { type: 'string' },
      style: { type: 'string' },
      frames: { type: 'string' },
      json: { type: 'boolean' },
    });
    const images = values.image ?? [];
    if (images.length > 0 === (values.video !== undefined))
      throw new AppError('INVALID_INPUT', 'give either --image (one or more) or --video');
    const question = onePositional(positionals, 'give exactly one question (quote it)');
    const frames = numberFlag('frames', values.frames, { integer: true, min: 2 });
    const dir = modelDirFlag(values.model, io);
    const ck = await loadCheckpoint(dir);
    const tok = await loadTokenizer(dir);
    const common = { checkpoint: ck, tokenizer: tok, question, style: values.style, signal };
    let m: ModelInput;
    let media: Record<string, unknown>;
    if (values.video !== undefined) {
      const { probe, frames: fr } = await withCliContext(io, ({ media }) =>
        loadVideoFrames(media, resolve(io.cwd, values.video!), ck.videoPreprocessor, { numFrames: frames, signal }),
      );
      m = buildVideoPrompt({ ...common, frames: fr, fps: probe.fps });
      media = {
        kind: 'video',
        duration: probe.duration,
        width: probe.width,
        height: probe.height,
        fps: probe.fps,
        frames: fr.length,
      };
    } else {
      const imgs = [];
      for (const f of images) imgs.push(await loadImageRgb(resolve(io.cwd, f), signal));
      m = buildImagePrompt({ ...common, images: imgs });
      media = {
        kind: imgs.length > 1 ? 'multi-image' : 'image',
        sizes: imgs.map((i) => ({ width: i.width, height: i.height })),
      };
    }
    const summary = {
      model: dir,
      variant: ck.variant,
      media,
      tokenCount: m.inputIds.length,
      tokenTypes: tokenTypeSummary(m, ck),
      nCrops: m.nCrops,
      poolK: m.poolK,
      pooledTokens: m.pooling.length / m.poolK,
      ...(m.imageGrids ? { imageGrids: m.imageGrids, cropsPerImage: m.cropsPerImage } : {}),
      ...(m.videoGrid ? { videoGrid: m.videoGrid, timestamps: m.timestamps } : {}),
      contextLength: ck.config.text_config.max_position_embeddings,
      text: m.text,
    };
    if (values.json) printJson(io.stdout, summary);
    else
      io.stdout.write(
        `${summary.tokenCount} tokens (${summary.tokenTypes.visual} visual, ${summary.tokenTypes.text} text), ${m.nCrops} crops\n${m.text}\n`,
      );
    return 0;
  },
};
