// probe reads a small file whole in one ffprobe call (and decodeFrames reuses that scan); a large file gets a head
// read plus tail/full scans. Both paths must give the same probe and the same displayed frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { createMediaService, sampleTimes, type ProbeResult } from '../../../src-main/core/media/index.js';
import { indexClip, readIndex, sampleClip, truncatedCopy } from '../../helpers/media-fixtures.js';
import { scratchDir } from '../../helpers/tiny.js';

const media = createMediaService();

async function indices(file: string, p: ProbeResult, times: number[]): Promise<number[]> {
  const out: number[] = [];
  for await (const f of media.decodeFrames(file, times, { probe: p }))
    out[f.index] = readIndex(f.rgb, f.width, f.height);
  return out;
}

const hasScan = (file: string, p: ProbeResult) => {
  const st = statSync(file);
  return media.wholeScanOf(p, st.size, st.mtimeMs) !== null;
};

test('whole-file probe and head/tail probe agree, and their frames are the same (CFR, VFR, offset, truncated, audio)', async () => {
  const fast = indexClip('cfr25-20s-faststart', { duration: 20, fps: 25, out: ['-movflags', '+faststart'] });
  // [file, packet limits]: 10 packets leave the head to a scan of its own; 300 (of ≥ 500) give the head in the
  // first call and leave the tail to a scan.
  const files: Array<[string, number[]]> = [
    [indexClip('cfr25-20s', { duration: 20, fps: 25 }), [300, 10]],
    [indexClip('vfr-6s', { duration: 6, fps: 50, pre: "select='not(mod(n\\,5))+eq(mod(n\\,5)\\,3)'" }), [10]],
    [indexClip('offset-2.5', { duration: 8, fps: 10, ext: 'mkv', out: ['-output_ts_offset', '2.5'] }), [10]],
    [truncatedCopy('trunc-half.mp4', fast, 0.5), [10]],
    [indexClip('cfr10-30s-audio', { duration: 30, fps: 10, audio: true }), [300, 10]],
  ];
  for (const [file, limits] of files) {
    const whole = await media.probe(file);
    assert.ok(hasScan(file, whole), `${file}: small file read whole`);
    for (const n of limits) {
      const part = await media.probe(file, { wholeScanPackets: n });
      assert.ok(!hasScan(file, part), `${file}: ${n} packets are not the whole file`);
      assert.deepEqual(part, whole, `${file} with ${n} packets`);
    }
    const times = [...sampleTimes(whole.duration), 0.05, whole.duration / 3 + 0.01];
    const part = await media.probe(file, { wholeScanPackets: 10 });
    assert.deepEqual(await indices(file, whole, times), await indices(file, part, times), file);
  }
});

test('a whole-file scan is not reused once the file has changed (mtime or size)', async () => {
  const dir = scratchDir('probe-paths');
  const f = join(dir, 'changing.mp4');
  copyFileSync(indexClip('cfr25-10s', { duration: 10, fps: 25 }), f);
  const p = await media.probe(f);
  assert.ok(hasScan(f, p));
  utimesSync(f, new Date(), new Date(Date.now() + 5000));
  assert.ok(!hasScan(f, p));
  // decodeFrames then scans afresh and still gives the displayed frames.
  assert.deepEqual(await indices(f, p, [0, 1, 9.99]), [0, 25, 249]);
});

const SAMPLE = sampleClip('concourse-crowd-720p.avi');
test(
  'AVI (dts only, B-frames, audio): both probe paths agree',
  { skip: SAMPLE ? false : 'shared sample not found' },
  async () => {
    const whole = await media.probe(SAMPLE!);
    assert.deepEqual(await media.probe(SAMPLE!, { wholeScanPackets: 10 }), whole);
  },
);
