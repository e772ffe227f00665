// Bench: Molmo2 frame sampling of a 1080p H.264 file vs plain `ffmpeg -i f -f null -` decode of the same file.
// Run: node --import tsx bench/media/sampling.ts [--seconds 30] [--runs 3] [--codec h264|hevc]. Prints figures and the
// ratio (target ≥ 0.9 for H.264).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  createMediaService,
  DECODE_THREADS,
  ffmpegVersion,
  resolveFfmpeg,
  sampleTimes,
} from '../../src-main/core/media/index.js';
import { ffmpegClip } from '../../tests/helpers/media-fixtures.js';

const media = createMediaService();

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    runs: { type: 'string', default: '3' },
    codec: { type: 'string', default: 'h264' },
  },
});
if (values.codec !== 'h264' && values.codec !== 'hevc') throw new Error('--codec is h264 or hevc');
const hevc = values.codec === 'hevc';
const secs = Number(values.seconds);
const runs = Number(values.runs);
const bins = resolveFfmpeg();
const file = ffmpegClip(`bench-1080p-${secs}s${hevc ? '-hevc' : ''}.mp4`, (o) => [
  '-f',
  'lavfi',
  '-i',
  `testsrc2=s=1920x1080:r=30:d=${secs}`,
  ...(hevc ? ['-c:v', 'libx265', '-x265-params', 'log-level=error', '-tag:v', 'hvc1'] : ['-c:v', 'libx264']),
  '-preset',
  'veryfast',
  '-pix_fmt',
  'yuv420p',
  o,
]);
const hw = await media.detectHwaccel(bins.ffmpeg);
console.log(
  `${ffmpegVersion(bins.ffmpeg)}; file ${file} (${secs} s, 1920×1080, 30 fps, ${hevc ? 'HEVC (x265)' : 'H.264 (x264)'} veryfast)`,
);
console.log(
  `hardware decoding: ${hw ? `-hwaccel ${hw} is used by decodeFrames` : 'unavailable here (no CUDA device initialises), software decoding'}`,
);

/** CPU seconds used so far by this process plus its waited-for children (Linux /proc/self/stat), or NaN elsewhere. */
function cpuSeconds(): number {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // After the command: fields 14–17 of stat(5) (utime, stime, cutime, cstime) are at 11–14 here, in clock ticks.
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return NaN;
  }
}

function rawDecode(threads?: number): number {
  const t0 = performance.now();
  const th = threads ? ['-threads', String(threads)] : [];
  const args = [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    ...(hw ? ['-hwaccel', hw] : th),
    '-i',
    file,
    '-f',
    'null',
    '-',
  ];
  const r = spawnSync(bins.ffmpeg, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error('raw decode failed');
  return (performance.now() - t0) / 1000;
}

async function sampling(
  withProbe: boolean,
  p0: Awaited<ReturnType<typeof media.probe>>,
  skip = true,
): Promise<{ s: number; frames: number }> {
  process.env.MOLMOSCOPE_FRAME_SKIP = skip ? '1' : '0';
  const t0 = performance.now();
  const p = withProbe ? await media.probe(file, { bins }) : p0;
  const times = sampleTimes(p.duration);
  let frames = 0;
  for await (const f of media.decodeFrames(file, times, { probe: p, bins })) frames += f.rgb.length > 0 ? 1 : 0;
  return { s: (performance.now() - t0) / 1000, frames };
}

const p0 = await media.probe(file, { bins });
// decodeFrames decodes in software with DECODE_THREADS frame threads; the plain raw decode stays the baseline, and
// the raw decode with the same threads is shown beside it.
const threads = DECODE_THREADS;
const rawThreads: number[] = [];
const raw: number[] = [];
const samp: number[] = [];
const sampNoProbe: number[] = [];
const sampNoSkip: number[] = [];
const rawCpu: number[] = [];
const sampCpu: number[] = [];
let frames = 0;
for (let i = 0; i < runs; i++) {
  let c = cpuSeconds();
  raw.push(rawDecode());
  rawCpu.push(cpuSeconds() - c);
  c = cpuSeconds();
  const a = await sampling(true, p0);
  sampCpu.push(cpuSeconds() - c);
  samp.push(a.s);
  frames = a.frames;
  sampNoProbe.push((await sampling(false, p0)).s);
  sampNoSkip.push((await sampling(false, p0, false)).s);
  if (!hw) rawThreads.push(rawDecode(threads));
}
const best = (xs: number[]) => Math.min(...xs);
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (s: number) =>
  `${s.toFixed(2)} s = ${(secs / s).toFixed(1)}× realtime, ${((secs * 30) / s).toFixed(0)} decoded fps`;
console.log(
  `runs: ${runs} (best of each; all: raw ${raw.map((x) => x.toFixed(2)).join('/')}, sampling ${samp.map((x) => x.toFixed(2)).join('/')}, no skipping ${sampNoSkip.map((x) => x.toFixed(2)).join('/')})`,
);
console.log(`raw ffmpeg -f null decode:          ${fmt(best(raw))}`);
console.log(`sampling (probe + ${frames} RGB frames): ${fmt(best(samp))}`);
console.log(`sampling, probe given:              ${fmt(best(sampNoProbe))}`);
console.log(
  `sampling, probe given, no skipping: ${fmt(best(sampNoSkip))} (MOLMOSCOPE_FRAME_SKIP=0: every frame decoded)`,
);
const sk = media.skipStats;
console.log(
  `frame skipping: ${sk.plans} plans, ${sk.fallbacks} fallbacks; packets decoded ${sk.packetsKept} of ${sk.packetsSpanned} (${((100 * sk.packetsKept) / Math.max(1, sk.packetsSpanned)).toFixed(0)} %)`,
);
console.log(
  `ratio sampling/raw speed: ${(best(raw) / best(samp)).toFixed(3)} (with probe), ${(best(raw) / best(sampNoProbe)).toFixed(3)} (probe given); target ≥ 0.9`,
);
// Best-of pairs the luckiest raw run with the luckiest sampling run, minutes apart on a shared machine; the median of
// each run's own ratio (raw and sampling measured back to back) is steadier.
const paired = (xs: number[]) => med(raw.map((r, i) => r / xs[i]!)).toFixed(3);
console.log(
  `median of per-run ratios: ${paired(samp)} (with probe), ${paired(sampNoProbe)} (probe given), ${paired(sampNoSkip)} (probe given, no skipping)`,
);
if (rawThreads.length)
  console.log(
    `raw decode with -threads ${threads} (as decodeFrames uses): ${fmt(best(rawThreads))}; ratio to it ${(best(rawThreads) / best(sampNoProbe)).toFixed(3)} (probe given)`,
  );
// Wall time on a machine shared with other work swings by tens of percent; CPU seconds (ffmpeg + ffprobe + our
// process) say how much work sampling adds to a plain decode, whatever else runs.
if (rawCpu.every(Number.isFinite)) {
  console.log(
    `CPU seconds (median): raw ${med(rawCpu).toFixed(2)}, sampling with probe ${med(sampCpu).toFixed(2)} (ours + children); work ratio raw/sampling ${(med(rawCpu) / med(sampCpu)).toFixed(3)}`,
  );
}
