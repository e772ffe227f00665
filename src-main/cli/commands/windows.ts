// `molmoscope windows <file>`: the overlapping windows a long recording is split into, with each window's times.
// JSON shape (stable): {"duration","length","overlap","count","windows":[{"index","start","end","times":[…]}]}.
import { resolve } from 'node:path';
import { DEFAULT_MAX_FPS, DEFAULT_MAX_FRAMES } from '../../core/media/sampling.js';
import { DEFAULT_WINDOW_OVERLAP, windowsFor } from '../../core/media/windows.js';
import { withCliContext } from '../cli-context.js';
import { numberFlag, onePositional, parseFlags, printJson, type Command } from '../command.js';

const usage = `Usage:
  molmoscope windows <file> [--length S] [--overlap S] [--max-fps 2] [--max-frames 128] [--json]
      Split a recording into windows (default length (max-frames − 1)/max-fps = 63.5 s, overlap 8 s) and list
      each window's Molmo2 sample times in recording time.
`;

export const windowsCommand: Command = {
  name: 'windows',
  summary: 'List the analysis windows of a long recording and their sample times.',
  usage,
  async run(argv, io, signal) {
    const { values, positionals } = parseFlags(argv, {
      json: { type: 'boolean' },
      length: { type: 'string' },
      overlap: { type: 'string' },
      'max-fps': { type: 'string' },
      'max-frames': { type: 'string' },
    });
    const file = onePositional(positionals, `windows needs exactly one <file>\n${usage}`);
    const maxFps = numberFlag('max-fps', values['max-fps']) ?? DEFAULT_MAX_FPS;
    const maxFrames = numberFlag('max-frames', values['max-frames'], { integer: true, min: 1 }) ?? DEFAULT_MAX_FRAMES;
    const length = numberFlag('length', values.length) ?? (maxFrames - 1) / maxFps;
    const overlap = numberFlag('overlap', values.overlap, { min: 0 }) ?? DEFAULT_WINDOW_OVERLAP;
    const p = await withCliContext(io, ({ media }) => media.probe(resolve(io.cwd, file), { signal }));
    const windows = windowsFor(p.duration, { length, overlap, maxFps, maxFrames });
    if (values.json) printJson(io.stdout, { duration: p.duration, length, overlap, count: windows.length, windows });
    else
      for (const w of windows)
        io.stdout.write(`#${w.index}  ${w.start.toFixed(2)}–${w.end.toFixed(2)} s  ${w.times.length} frames\n`);
    return 0;
  },
};
