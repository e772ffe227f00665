// Inputs of the `molmoscope train` tests: one generated clip per hue (distinct pictures for distinct targets), the
// chat messages of a dataset line, the command line, and the environment a CLI run finds ffmpeg and its cache in.
import { join } from 'node:path';
import { lavfiClip } from '../../helpers/media-fixtures.js';

/** A 2 s 320×240 testsrc clip at 10 fps with its hue turned by `hue` degrees. */
export function hueClip(hue: number): string {
  return lavfiClip(`train-clip-${hue}.mp4`, `testsrc=size=320x240:rate=10,hue=h=${hue}`, 2);
}

/** The messages of a dataset line: the user's question and the target answer. */
export function chat(question: string, answer: string): { role: 'user' | 'assistant'; content: string }[] {
  return [
    { role: 'user', content: question },
    { role: 'assistant', content: answer },
  ];
}

/** A CLI environment with its cache under `dir` and this process's ffmpeg. */
export function trainEnv(dir: string): NodeJS.ProcessEnv {
  return {
    MOLMOSCOPE_CACHE: join(dir, 'cache'),
    FFMPEG_BIN: process.env.FFMPEG_BIN ?? 'ffmpeg',
    PATH: process.env.PATH,
  };
}

/** `train` argv: LoRA on `base` from the dataset file `data` into the adapter folder `out`, then `flags`. */
export function trainArgv(base: string, data: string, out: string, flags: string[]): string[] {
  return ['train', '--base', base, '--data', data, '--out', out, ...flags];
}
