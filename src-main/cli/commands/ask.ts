// `molmoscope ask`: one question about images or a video, answered by Molmo2 through the engine process.
// Thin glue: prompt building and parsing are the molmo2 modules'; the engine runs vision and in-graph generation.
import { resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import { loadImageRgb } from '../../core/molmo2/prompt/image-source.js';
import { Molmo2Session, type Answer } from '../../core/molmo2/session.js';
import { createCoreContext } from '../../core/platform/create-context.js';
import { modelCacheDir } from '../../core/platform/model-cache.js';
import { modelDirFlag } from '../model-flag.js';
import { adapterFlag } from './adapter-flag.js';
import { numberFlag, onePositional, parseFlags, printJson, type CliIO, type Command } from '../command.js';
import { precisionFlag } from './precision-flag.js';

// Kept for callers that imported it from here before it moved to core.
export { modelCacheDir };

const usage = `Usage:
  molmoscope ask [--model DIR] (--image FILE [--image FILE …] | --video FILE) "question"
                 [--ep cpu|webgpu|cuda] [--precision fp32|fp16|int8|int4] [--max-new-tokens N] [--seed S] [--temperature T] [--top-p P]
                 [--repetition-penalty R] [--repeat-guard N] [--frames N] [--style STYLE]
                 [--stream] [--stream-every N] [--adapter DIR] [--json]
      Answer a question about images or a video with Molmo2. Greedy by default (temperature 0); sampling is
      deterministic for a seed. Generation stops at EOS, at --max-new-tokens (200), or when the
      answer degenerates into one p-gram repeated --repeat-guard times (default 4, 0 = off). --json prints {text,count,points,tracks,timings,ioBytesPerToken,peakMemoryBytes,provider,precision}.
      --stream prints the answer as it is generated, in chunks of --stream-every tokens (default 16; each chunk
      moves the KV cache through host memory once, so larger chunks cost less). With --json the partial texts go
      to stderr as {"partial":text} lines and stdout keeps the one final JSON object.
      Model: --model DIR, else $MOLMOSCOPE_MODEL, else the default model (molmoscope model list / use).
      --adapter DIR answers with a LoRA adapter in PEFT's layout (a branch in the decoder graphs; base weights as they are);
      the result records it as adapter {dir, sha256}.
      Cache: $MOLMOSCOPE_CACHE (default: the app cache) holds compiled graphs and converted weights, one folder per
      checkpoint identity; the model folder is only read.
`;

function parseAskFlags(argv: string[]) {
  return parseFlags(argv, {
    model: { type: 'string' },
    image: { type: 'string', multiple: true },
    video: { type: 'string' },
    ep: { type: 'string' },
    precision: { type: 'string' },
    'max-new-tokens': { type: 'string' },
    seed: { type: 'string' },
    temperature: { type: 'string' },
    'top-p': { type: 'string' },
    'repetition-penalty': { type: 'string' },
    'repeat-guard': { type: 'string' },
    frames: { type: 'string' },
    style: { type: 'string' },
    stream: { type: 'boolean' },
    'stream-every': { type: 'string' },
    adapter: { type: 'string' },
    json: { type: 'boolean' },
  });
}

type AskFlags = ReturnType<typeof parseAskFlags>['values'];

/** The numeric flags with their defaults, checked in the order they are listed. */
function numericFlags(values: AskFlags) {
  const maxNewTokens = numberFlag('max-new-tokens', values['max-new-tokens'], { integer: true, min: 1 }) ?? 200;
  const seed = numberFlag('seed', values.seed, { integer: true, min: 0 }) ?? 0;
  const temperature = numberFlag('temperature', values.temperature, { min: 0 }) ?? 0;
  const topP = numberFlag('top-p', values['top-p'], { min: 0 }) ?? 1;
  const repetitionPenalty = numberFlag('repetition-penalty', values['repetition-penalty'], { min: 0 }) ?? 1;
  const repeatGuard = numberFlag('repeat-guard', values['repeat-guard'], { integer: true, min: 0 }) ?? 4;
  const frames = numberFlag('frames', values.frames, { integer: true, min: 2 });
  const streamEvery = numberFlag('stream-every', values['stream-every'], { integer: true, min: 1 });
  if (streamEvery !== undefined && !values.stream) throw new AppError('INVALID_INPUT', '--stream-every needs --stream');
  return { maxNewTokens, seed, temperature, topP, repetitionPenalty, repeatGuard, frames, streamEvery };
}

/** Prints partial answers as they come: {"partial":text} lines on stderr with --json, the new text on stdout otherwise. */
function partialPrinter(io: CliIO, json: boolean | undefined) {
  let shown = '';
  return {
    /** The text already printed to stdout. */
    shown: () => shown,
    onPartialText: (text: string) => {
      if (json) io.stderr.write(`${JSON.stringify({ partial: text })}\n`);
      else {
        // A chunk can end inside a multi-byte character (decoded as U+FFFD): hold that back until it completes.
        const stable = text.replace(/\uFFFD+$/, '');
        if (stable.startsWith(shown)) {
          io.stdout.write(stable.slice(shown.length));
          shown = stable;
        }
      }
    },
  };
}

/** The answer as `ask --json` prints it. */
function answerJson(a: Answer, precision: Molmo2Session['precision'], adapter: ReturnType<typeof adapterFlag>) {
  return {
    text: a.text,
    count: a.parsed.count,
    points: a.parsed.points,
    tracks: a.parsed.tracks,
    timings: a.timings,
    tokens: a.tokens,
    promptTokens: a.promptTokens,
    ioBytesPerToken: a.ioBytesPerToken,
    ioBytesPrompt: a.ioBytesPrompt,
    peakMemoryBytes: a.peakMemoryBytes,
    provider: a.provider,
    precision,
    adapter: adapter ?? null,
  };
}

export const askCommand: Command = {
  name: 'ask',
  summary: 'Ask Molmo2 a question about images or a video (prints the answer, points, tracks and timings).',
  usage,
  async run(argv, io, signal) {
    const { values, positionals } = parseAskFlags(argv);
    const dir = modelDirFlag(values.model, io);
    const images = values.image ?? [];
    if (images.length > 0 === (values.video !== undefined))
      throw new AppError('INVALID_INPUT', 'give either --image (one or more) or --video');
    const question = onePositional(positionals, 'give exactly one question (quote it)');
    const { frames, streamEvery, ...sampling } = numericFlags(values);
    const partial = partialPrinter(io, values.json);
    const dec = {
      ...sampling,
      ...(values.stream ? { onPartialText: partial.onPartialText, ...(streamEvery ? { streamEvery } : {}) } : {}),
    };
    const q = { question, ...(values.style !== undefined ? { style: values.style } : {}) };

    const adapter = adapterFlag(io, dir, values.adapter);
    const ctx = createCoreContext({ host: 'cli', env: io.env });
    const session = await Molmo2Session.open({
      modelDir: dir,
      cacheDir: modelCacheDir(io.env, dir),
      provider: values.ep,
      profile: true,
      media: ctx.media,
      ...(values.precision ? { precision: precisionFlag(values.precision) } : {}),
      ...(adapter ? { adapter } : {}),
    }).catch((err: unknown) => {
      ctx.dispose();
      throw err;
    });
    try {
      let a: Answer;
      if (values.video !== undefined) {
        a = await session.askVideoFile(
          resolve(io.cwd, values.video),
          { ...q, ...(frames !== undefined ? { frames } : {}) },
          dec,
          signal,
        );
      } else {
        const t0 = performance.now();
        const imgs = [];
        for (const f of images) imgs.push(await loadImageRgb(resolve(io.cwd, f), signal));
        a = await session.askImagesFree(imgs, q, dec, signal, performance.now() - t0);
      }
      const shown = partial.shown();
      if (values.json) printJson(io.stdout, answerJson(a, session.precision, adapter));
      else if (values.stream && a.text.startsWith(shown)) io.stdout.write(`${a.text.slice(shown.length)}\n`);
      else io.stdout.write(`${values.stream ? '\n' : ''}${a.text}\n`);
      return 0;
    } finally {
      await session.close();
      ctx.dispose();
    }
  },
};
