// `molmoscope ask`: one question about images or a video, answered by Molmo2 through the engine process.
// Thin glue: prompt building and parsing are the molmo2 modules'; the engine runs vision and in-graph generation.
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import { loadCheckpoint } from '../../core/molmo2/checkpoint/load.js';
import { loadTokenizer } from '../../core/molmo2/tokenizer/tokenizer.js';
import { buildImagePrompt, buildVideoPrompt, type ModelInput } from '../../core/molmo2/prompt/build.js';
import { loadImageRgb } from '../../core/molmo2/prompt/image-source.js';
import { loadVideoFrames } from '../../core/molmo2/prompt/frame-source.js';
import { parseAnswer } from '../../core/molmo2/grammar/parse.js';
import type { ParseOptions } from '../../core/molmo2/grammar/types.js';
import { EngineClient } from '../../core/molmo2/engine/engine-client.js';
import { runModel } from '../../core/molmo2/engine/run-model.js';
import { selectProvider } from '../../core/molmo2/engine/providers.js';
import { numberFlag, parseFlags, printJson, type Command } from '../command.js';

const usage = `Usage:
  molmoscope ask --model DIR (--image FILE [--image FILE …] | --video FILE) "question"
                 [--ep cpu|webgpu|cuda] [--max-new-tokens N] [--seed S] [--temperature T] [--top-p P]
                 [--repetition-penalty R] [--repeat-guard N] [--frames N] [--style STYLE] [--json]
      Answer a question about images or a video with Molmo2. Greedy by default (temperature 0); sampling is
      deterministic for a seed. Generation stops at EOS, at --max-new-tokens (200), or when the
      answer degenerates into one p-gram repeated --repeat-guard times (default 4, 0 = off). --json prints {text,count,points,tracks,timings,ioBytesPerToken,peakMemoryBytes,provider}.
      Cache: $MOLMOSCOPE_CACHE (default ~/.cache/molmoscope) holds compiled graphs and converted weights.
`;

/** The app model cache directory for one checkpoint. */
export function modelCacheDir(env: NodeJS.ProcessEnv, modelDir: string): string {
  const root = env.MOLMOSCOPE_CACHE ?? join(homedir(), '.cache', 'molmoscope');
  return join(root, 'models', createHash('sha256').update(modelDir).digest('hex').slice(0, 16));
}

export const askCommand: Command = {
  name: 'ask',
  summary: 'Ask Molmo2 a question about images or a video (prints the answer, points, tracks and timings).',
  usage,
  async run(argv, io, signal) {
    const { values, positionals } = parseFlags(argv, {
      model: { type: 'string' }, image: { type: 'string', multiple: true }, video: { type: 'string' },
      ep: { type: 'string' }, 'max-new-tokens': { type: 'string' }, seed: { type: 'string' }, temperature: { type: 'string' },
      'top-p': { type: 'string' }, 'repetition-penalty': { type: 'string' }, 'repeat-guard': { type: 'string' }, frames: { type: 'string' }, style: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.model) throw new AppError('INVALID_INPUT', `--model DIR is required\n${usage}`);
    const images = values.image ?? [];
    if ((images.length > 0) === (values.video !== undefined)) throw new AppError('INVALID_INPUT', 'give either --image (one or more) or --video');
    if (positionals.length !== 1) throw new AppError('INVALID_INPUT', 'give exactly one question (quote it)');
    const maxNewTokens = numberFlag('max-new-tokens', values['max-new-tokens'], { integer: true, min: 1 }) ?? 200;
    const seed = numberFlag('seed', values.seed, { integer: true, min: 0 }) ?? 0;
    const temperature = numberFlag('temperature', values.temperature, { min: 0 }) ?? 0;
    const topP = numberFlag('top-p', values['top-p'], { min: 0 }) ?? 1;
    const repetitionPenalty = numberFlag('repetition-penalty', values['repetition-penalty'], { min: 0 }) ?? 1;
    const repeatGuard = numberFlag('repeat-guard', values['repeat-guard'], { integer: true, min: 0 }) ?? 4;
    const frames = numberFlag('frames', values.frames, { integer: true, min: 2 });
    const provider = selectProvider(values.ep);
    const dir = resolve(io.cwd, values.model);

    const t0 = performance.now();
    const ck = await loadCheckpoint(dir);
    const tok = await loadTokenizer(dir);
    const common = { checkpoint: ck, tokenizer: tok, question: positionals[0]!, style: values.style, signal };
    let m: ModelInput;
    let parse: ParseOptions;
    if (values.video !== undefined) {
      const v = await loadVideoFrames(resolve(io.cwd, values.video), ck.videoPreprocessor, { numFrames: frames, signal });
      m = buildVideoPrompt({ ...common, frames: v.frames, fps: v.probe.fps });
      parse = { kind: 'video', width: v.probe.width, height: v.probe.height };
    } else {
      const imgs = [];
      for (const f of images) imgs.push(await loadImageRgb(resolve(io.cwd, f), signal));
      m = buildImagePrompt({ ...common, images: imgs });
      parse = imgs.length > 1
        ? { kind: 'multi-image', width: imgs[0]!.width, height: imgs[0]!.height, sizes: imgs.map((i) => ({ width: i.width, height: i.height })) }
        : { kind: 'image', width: imgs[0]!.width, height: imgs[0]!.height };
    }
    const preprocessMs = performance.now() - t0;

    const engine = new EngineClient();
    try {
      await engine.open({ modelDir: dir, provider, cacheDir: modelCacheDir(io.env, dir), profile: true });
      const r = await runModel(engine, m, { maxNewTokens, temperature, topP, seed, repetitionPenalty, repeatGuard }, signal);
      const eos = new Set([ck.specialIds.eos]);
      const answerIds = r.tokens.filter((t) => !eos.has(t));
      const text = tok.decode(answerIds, { skipSpecial: true });
      const parsed = parseAnswer(text, parse);
      const out = {
        text, count: parsed.count, points: parsed.points, tracks: parsed.tracks,
        timings: { preprocess: preprocessMs, ...r.timings },
        tokens: r.tokens.length, promptTokens: m.inputIds.length,
        ioBytesPerToken: r.ioBytesPerToken, ioBytesPrompt: r.ioBytesPrompt,
        peakMemoryBytes: r.peakMemoryBytes, provider: r.provider,
      };
      if (values.json) printJson(io.stdout, out);
      else io.stdout.write(`${text}\n`);
      return 0;
    } finally {
      await engine.close();
    }
  },
};
