// 500 mutated containers (seeded bit flips and truncations of real MP4, MKV and AVI files, the shared sample among
// them) through probe, decode and import: every one ends in a result or an AppError with a contract code (0 crashes,
// 0 non-AppError throws), the import reports every file, and no ffmpeg/ffprobe process is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, ERROR_CODES } from '../../../src-main/api/errors.js';
import { openLibrary } from '../../../src-main/core/library/store.js';
import { importPaths } from '../../../src-main/core/library/import.js';
import { testMediaSource } from '../../helpers/media-source.js';
import { requiredSample } from '../../helpers/media-fixtures.js';
import { scratchDir } from '../../helpers/tiny.js';
import { mulberry32 } from '../../helpers/random.js';
import { createMediaService } from '../../../src-main/core/media/index.js';

const media = createMediaService();

const MUTANTS = 500;

function ffmpeg(args: string[]): void {
  execFileSync(process.env.FFMPEG_BIN ?? 'ffmpeg', ['-v', 'error', '-y', ...args], {
    stdio: 'ignore',
    timeout: 60_000,
  });
}

/** Small real containers: H.264 in MP4 and MKV, MPEG-4 Part 2 in AVI, and one second of the shared AVI sample. */
function sources(dir: string): string[] {
  const src = [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=96x64:rate=10',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=300',
    '-t',
    '2',
  ];
  const mp4 = join(dir, 'a.mp4');
  ffmpeg([...src, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', mp4]);
  const mkv = join(dir, 'b.mkv');
  ffmpeg([...src, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'libvorbis', mkv]);
  const avi = join(dir, 'c.avi');
  ffmpeg([...src, '-c:v', 'mpeg4', '-c:a', 'mp3', avi]);
  const sample = join(dir, 'd-sample.avi');
  ffmpeg(['-i', requiredSample('concourse-crowd-720p.avi'), '-t', '1', '-c', 'copy', sample]);
  return [mp4, mkv, avi, sample];
}

/** Writes MUTANTS files: alternately 1–24 flipped bytes (a third of them in the first 4 KiB, where headers live) or a cut. */
function mutate(srcs: string[], out: string, rand: () => number): string[] {
  mkdirSync(out, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < MUTANTS; i++) {
    const src = srcs[i % srcs.length]!;
    const buf = Buffer.from(readFileSync(src));
    let b = buf;
    if (i % 2 === 0) {
      const n = 1 + Math.floor(rand() * 24);
      for (let k = 0; k < n; k++) {
        const head = rand() < 0.33;
        const at = Math.floor(rand() * (head ? Math.min(4096, buf.length) : buf.length));
        buf[at] = buf[at]! ^ (1 << Math.floor(rand() * 8));
      }
    } else {
      b = buf.subarray(0, Math.floor(rand() * buf.length));
    }
    const p = join(out, `m${String(i).padStart(3, '0')}-${src.split('/').pop()}`);
    writeFileSync(p, b);
    files.push(p);
  }
  return files;
}

const KNOWN = new Set(Object.keys(ERROR_CODES));

/** Probe and decode one file; returns what happened; throws (fails the test) on anything but a result or an AppError. */
async function exercise(file: string): Promise<string> {
  let info;
  try {
    info = await media.probe(file, { timeoutMs: 20_000 });
  } catch (err) {
    if (!(err instanceof AppError) || !KNOWN.has(err.code))
      throw new Error(`probe ${file}: not an AppError: ${String(err)}`, { cause: err });
    return `probe:${err.code}`;
  }
  const d = info.duration ?? 0;
  const times = d > 0 ? [0, d / 2] : [0];
  try {
    let n = 0;
    for await (const _ of media.decodeFrames(file, times, { probe: info, stallMs: 15_000 })) n++;
    return `decoded:${n}`;
  } catch (err) {
    if (!(err instanceof AppError) || !KNOWN.has(err.code))
      throw new Error(`decode ${file}: not an AppError: ${String(err)}`, { cause: err });
    return `decode:${err.code}`;
  }
}

/** ffmpeg/ffprobe processes whose parent is this process, read from /proc. */
function osChildren(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (m && Number(m[2]) === process.pid && /ffmpeg|ffprobe/.test(m[1]!)) out.push(`${pid} ${m[1]}`);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

test(
  `${MUTANTS} mutated MP4/MKV/AVI files: probe, decode and import never crash and leave no process`,
  { timeout: 900_000 },
  async () => {
    const dir = scratchDir('mutants');
    const files = mutate(sources(dir), join(dir, 'mutants'), mulberry32(500));
    const tally = new Map<string, number>();
    const slow: Array<[number, string]> = [];
    let next = 0;
    // Two at a time: the suite shares two cores with other work.
    const worker = async () => {
      for (let i = next++; i < files.length; i = next++) {
        const t0 = Date.now();
        const what = await exercise(files[i]!);
        slow.push([Date.now() - t0, `${files[i]!.split('/').pop()} ${what}`]);
        tally.set(what.replace(/:\d+$/, ''), (tally.get(what.replace(/:\d+$/, '')) ?? 0) + 1);
      }
    };
    await Promise.all([worker(), worker()]);
    assert.deepEqual(media.liveChildPids(), [], 'no tracked child left after probe/decode');
    assert.deepEqual(osChildren(), [], 'no ffmpeg/ffprobe child left after probe/decode');

    const lib = openLibrary(join(dir, 'lib.db'), { create: true });
    try {
      const rep = await importPaths(lib, [join(dir, 'mutants')], {
        media: testMediaSource(),
        signal: new AbortController().signal,
      });
      assert.equal(rep.results.length, MUTANTS, 'every mutated file has an outcome');
      for (const r of rep.results) if (r.code) assert.ok(KNOWN.has(r.code), `${r.path}: ${r.code}`);
      console.log(`import: ${JSON.stringify(rep.counts)}`);
      assert.equal(lib.db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      lib.close();
    }
    assert.deepEqual(media.liveChildPids(), []);
    assert.deepEqual(osChildren(), [], 'no ffmpeg/ffprobe child left after import');
    console.log(
      `slowest: ${slow
        .sort((a, b) => b[0] - a[0])
        .slice(0, 5)
        .map(([ms, f]) => `${f} ${ms} ms`)
        .join('; ')}`,
    );
    console.log(`probe/decode outcomes: ${JSON.stringify(Object.fromEntries([...tally].sort()))}`);
    assert.ok(
      (tally.get('decoded') ?? 0) > 0 && [...tally.keys()].some((k) => k.startsWith('probe:')),
      'the mutations reach both good and bad outcomes',
    );
  },
);
