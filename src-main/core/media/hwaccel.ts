// Detects whether ffmpeg can decode on an NVIDIA GPU (`-hwaccel cuda`): the build must list cuda AND a CUDA device
// must initialise. MOLMOSCOPE_HWACCEL=none|cuda|auto (default auto) overrides.
import { runCollect, type ChildTracker } from './process.js';

/** The hwaccel name to pass to ffmpeg ('cuda'), or null for software decoding. */
export type HwaccelDetector = (ffmpeg: string, env?: NodeJS.ProcessEnv) => Promise<string | null>;

/** A HwaccelDetector that remembers its answer per binary and preference (held by the media service). */
export function createHwaccelDetector(children?: ChildTracker): HwaccelDetector {
  const cache = new Map<string, Promise<string | null>>();
  return (ffmpeg, env = process.env) => {
    const pref = (env.MOLMOSCOPE_HWACCEL ?? 'auto').toLowerCase();
    if (pref === 'none' || pref === 'off') return Promise.resolve(null);
    const key = `${ffmpeg}|${pref}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = cudaWorks(ffmpeg, children);
      cache.set(key, hit);
    }
    return hit;
  };
}

/** 'cuda' when the build lists it and a CUDA device initialises, else null. */
async function cudaWorks(ffmpeg: string, children?: ChildTracker): Promise<string | null> {
  try {
    const list = await runCollect(ffmpeg, ['-hide_banner', '-hwaccels'], { timeoutMs: 10_000, children });
    if (!/^\s*cuda\s*$/m.test(list.stdout.toString('utf8'))) return null;
    // A build with nvdec but no GPU/driver fails here; that is the common case on CPU-only machines.
    const init = await runCollect(
      ffmpeg,
      [
        '-hide_banner',
        '-v',
        'error',
        '-init_hw_device',
        'cuda=hw',
        '-f',
        'lavfi',
        '-i',
        'nullsrc=s=16x16:d=0.04',
        '-f',
        'null',
        '-',
      ],
      { timeoutMs: 15_000, children },
    );
    return init.code === 0 ? 'cuda' : null;
  } catch {
    return null;
  }
}
