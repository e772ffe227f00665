// An ffmpeg that misbehaves on cue, at the binary boundary: a shell script that runs the real ffmpeg for every call
// except those with an argument matching a pattern (as a build lacking a filter, or a decoder that hangs, would).
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveFfmpeg, type FfmpegBinaries } from '../../src-main/core/media/index.js';
import { scratchDir } from './tiny.js';

/** The real binaries, but an ffmpeg (in a new scratch dir `prefix-…`) that runs the shell `action` when an argument matches the shell `case` pattern `when`. */
export function wrappedFfmpeg(prefix: string, when: string, action: string): FfmpegBinaries {
  const real = resolveFfmpeg();
  const fake = join(scratchDir(prefix), 'ffmpeg');
  writeFileSync(
    fake,
    `#!/bin/sh\nfor a in "$@"; do case "$a" in ${when}) ${action};; esac; done\nexec '${real.ffmpeg}' "$@"\n`,
  );
  chmodSync(fake, 0o755);
  return { ...real, ffmpeg: fake };
}
