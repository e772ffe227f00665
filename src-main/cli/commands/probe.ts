// `molmoscope probe <file>`: what a video is (duration, size, fps, VFR, rotation, codec, truncation).
// JSON shape (stable): {"duration","width","height","fps","vfr","rotation","codec","startTime","hasAudio",…}.
import { resolve } from 'node:path';
import { withCliContext } from '../cli-context.js';
import { onePositional, parseFlags, printJson, type Command } from '../command.js';

const usage = `Usage:
  molmoscope probe <file> [--strict] [--json]
      Describe a video: duration (decodable part), display size after rotation, codec, fps, variable frame rate,
      start offset, audio, container, size. A truncated file is reported with "truncated": true; with --strict it
      is the TRUNCATED error instead.
`;

export const probeCommand: Command = {
  name: 'probe',
  summary: 'Describe a video file (duration, size, fps, VFR, codec).',
  usage,
  async run(argv, io, signal) {
    const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' }, strict: { type: 'boolean' } });
    const file = resolve(io.cwd, onePositional(positionals, `probe needs exactly one <file>\n${usage}`));
    const p = await withCliContext(io, ({ media }) =>
      values.strict ? media.probeStrict(file, { signal }) : media.probe(file, { signal }),
    );
    if (values.json) printJson(io.stdout, p);
    else
      io.stdout.write(
        `${file}\n  ${p.width}×${p.height} ${p.codec} ${p.fps} fps${p.vfr ? ' (VFR)' : ''}, ${p.duration.toFixed(3)} s` +
          `${p.truncated ? ` (TRUNCATED: header claims ${p.claimedDuration.toFixed(3)} s)` : ''}, start ${p.startTime} s, ` +
          `rotation ${p.rotation}°, ${p.hasAudio ? 'with' : 'no'} audio, ${p.container}, ${p.sizeBytes} bytes\n`,
      );
    return 0;
  },
};
