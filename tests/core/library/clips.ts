// Test fixtures for the library: small generated clips and bad inputs (real ffmpeg, nothing downloaded).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Writes a short test-pattern clip (seconds long, `pattern` picks the lavfi source so contents differ). */
export function makeClip(
  path: string,
  opts: { seconds?: number; pattern?: 'testsrc' | 'testsrc2' | 'smptebars' | 'rgbtestsrc'; faststart?: boolean } = {},
): string {
  mkdirSync(dirname(path), { recursive: true });
  execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `${opts.pattern ?? 'testsrc'}=size=160x120:rate=10`,
      '-t',
      String(opts.seconds ?? 4),
      '-pix_fmt',
      'yuv420p',
      ...(opts.faststart ? ['-movflags', '+faststart'] : []),
      '-y',
      path,
    ],
    { stdio: 'ignore', timeout: 30_000 },
  );
  return path;
}

/** A folder with good clips, a duplicate under another name, and the bad inputs of the media issue's table. */
export function makeImportFolder(root: string) {
  const f = {
    a: makeClip(join(root, 'a.mp4'), { pattern: 'testsrc' }),
    b: makeClip(join(root, 'day2', 'b.mkv'), { pattern: 'smptebars' }),
    aCopy: join(root, 'day2', 'nested', 'a-copy.mp4'),
    empty: join(root, 'empty.mp4'),
    text: join(root, 'notes-renamed.mp4'),
    audio: join(root, 'audio-only.mp4'),
    truncated: join(root, 'truncated.mp4'),
    ignored: join(root, 'readme.txt'),
  };
  mkdirSync(dirname(f.aCopy), { recursive: true });
  copyFileSync(f.a, f.aCopy);
  writeFileSync(f.empty, '');
  writeFileSync(f.text, 'This is a shopping list, not a video.\n'.repeat(50));
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=d=1', '-f', 'mp4', '-y', f.audio], {
    stdio: 'ignore',
    timeout: 30_000,
  });
  const full = readFileSync(makeClip(join(root, '.gen', 'long.mp4'), { pattern: 'rgbtestsrc', seconds: 4 }));
  writeFileSync(f.truncated, full.subarray(0, Math.floor(full.length / 2))); // moov atom at the end is cut off
  writeFileSync(f.ignored, 'not a video');
  return f;
}
