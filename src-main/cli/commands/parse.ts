// `molmoscope parse`: reads a Molmo2 answer on stdin and prints the count, points and tracks it holds (pixels),
// plus every part that was dropped and why.
import { AppError } from '../../api/errors.js';
import { parseAnswer } from '../../core/molmo2/grammar/parse.js';
import type { AnswerKind } from '../../core/molmo2/grammar/types.js';
import { numberFlag, parseFlags, printJson, type Command } from '../command.js';

const usage = `Usage:
  molmoscope parse --kind image|multi-image|video --width W --height H [--sizes WxH,WxH,…] < answer.txt
      Parse a Molmo2 answer read from stdin. Prints
      {"count","points":[{"key","id","x","y"}],"tracks":[{"id","points":[{"t","x","y"}]}],"dropped":[{"text","reason"}]}
      with x, y in pixels; key = seconds for video, the 1-based image index otherwise.
      Multi-image answers need --sizes (one WxH per image, in order); --width/--height then default to the first.
`;

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer | string) => chunks.push(typeof d === 'string' ? Buffer.from(d) : d));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

/** Parses "640x480,100x100" into sizes. */
export function parseSizes(s: string): Array<{ width: number; height: number }> {
  return s.split(',').map((p) => {
    const m = /^\s*(\d+)\s*[xX×]\s*(\d+)\s*$/.exec(p);
    if (!m || Number(m[1]) <= 0 || Number(m[2]) <= 0)
      throw new AppError('INVALID_INPUT', `--sizes entry "${p}" is not WxH`);
    return { width: Number(m[1]), height: Number(m[2]) };
  });
}

export const parseCommand: Command = {
  name: 'parse',
  summary: 'Parse a Molmo2 answer (stdin) into count, points and tracks in pixels.',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      argv,
      {
        kind: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        sizes: { type: 'string' },
        json: { type: 'boolean' },
      },
      false,
    );
    void positionals;
    const kind = values.kind as AnswerKind | undefined;
    if (!kind || !['image', 'multi-image', 'video'].includes(kind))
      throw new AppError('INVALID_INPUT', `--kind must be image, multi-image or video\n${usage}`);
    const sizes = values.sizes !== undefined ? parseSizes(values.sizes) : undefined;
    if (kind === 'multi-image' && !sizes)
      throw new AppError('INVALID_INPUT', 'multi-image answers need --sizes WxH,WxH,…');
    const width = numberFlag('width', values.width, { min: 1 }) ?? sizes?.[0]?.width;
    const height = numberFlag('height', values.height, { min: 1 }) ?? sizes?.[0]?.height;
    if (width === undefined || height === undefined)
      throw new AppError('INVALID_INPUT', '--width and --height are required');
    const text = await readAll(io.stdin);
    printJson(io.stdout, parseAnswer(text, { kind, width, height, sizes }));
    return 0;
  },
};
