// `molmoscope frames <file>`: Molmo2's sample times for a video (or a stretch of it); --out writes the frames as PNG.
// JSON shape (stable): {"times":[seconds…],"duration","start","end","mode","maxFps","maxFrames","files"?}.
import { resolve } from 'node:path';
import { AppError } from '../../api/errors.js';
import type { MediaService } from '../../core/media/index.js';
import { writePngs } from '../../core/media/png-writer.js';
import { DEFAULT_MAX_FPS, DEFAULT_MAX_FRAMES, sampleTimes, type SampleMode } from '../../core/media/sampling.js';
import { withCliContext } from '../cli-context.js';
import { numberFlag, onePositional, parseFlags, printJson, type CliIO, type Command } from '../command.js';

const usage = `Usage:
  molmoscope frames <file> [--max-fps 2] [--max-frames 128] [--start S --end S]
                    [--mode uniform_last_frame|fps] [--sampling-fps 2] [--out DIR] [--json]
      Print the times (seconds from the first frame) at which Molmo2 samples the video, by the released
      processor's rule. --start/--end sample only that stretch (times stay in recording time).
      --out DIR writes each sampled frame (native resolution, rotation applied) as DIR/frame-NNNNN.png.
`;

export const framesCommand: Command = {
  name: 'frames',
  summary: "List Molmo2's sample times for a video; optionally write the frames as PNG.",
  usage,
  run: (argv, io, signal) => withCliContext(io, ({ media }) => runFrames(media, argv, io, signal)),
};

async function runFrames(media: MediaService, argv: string[], io: CliIO, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    json: { type: 'boolean' },
    'max-fps': { type: 'string' },
    'max-frames': { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    mode: { type: 'string' },
    'sampling-fps': { type: 'string' },
    out: { type: 'string' },
  });
  const file = resolve(io.cwd, onePositional(positionals, `frames needs exactly one <file>\n${usage}`));
  const mode = (values.mode ?? 'uniform_last_frame') as SampleMode;
  if (mode !== 'uniform_last_frame' && mode !== 'fps')
    throw new AppError('INVALID_INPUT', '--mode must be uniform_last_frame or fps');
  const maxFps = numberFlag('max-fps', values['max-fps']) ?? DEFAULT_MAX_FPS;
  if (!(maxFps > 0)) throw new AppError('INVALID_INPUT', '--max-fps must be > 0');
  const maxFrames = numberFlag('max-frames', values['max-frames'], { integer: true, min: 1 }) ?? DEFAULT_MAX_FRAMES;
  const samplingFps = numberFlag('sampling-fps', values['sampling-fps'], { min: 1 }) ?? 2;
  const p = await media.probe(file, { signal });
  const start = numberFlag('start', values.start, { min: 0 }) ?? 0;
  const end = Math.min(numberFlag('end', values.end, { min: 0 }) ?? p.duration, p.duration);
  if (!(end > start) && !(start === 0 && end === 0))
    throw new AppError('INVALID_INPUT', `--start ${start} must be before --end ${end} (duration ${p.duration} s)`);
  const rel = sampleTimes(end - start, { mode, maxFps, maxFrames, videoFps: p.fps, samplingFps });
  const times = rel.map((t) => start + t);
  let files: string[] | undefined;
  if (values.out) {
    const dir = resolve(io.cwd, values.out);
    const names = times.map((_, i) => `frame-${String(i).padStart(5, '0')}.png`);
    files = await writePngs(media.bins(), dir, media.decodeFrames(file, times, { signal, probe: p }), names, signal);
  }
  if (values.json)
    printJson(io.stdout, {
      times,
      duration: p.duration,
      start,
      end,
      mode,
      maxFps,
      maxFrames,
      ...(files ? { files } : {}),
    });
  else
    io.stdout.write(
      times.map((t) => t.toString()).join('\n') + '\n' + (files ? `wrote ${files.length} PNGs to ${values.out}\n` : ''),
    );
  return 0;
}
