// /media/ on a real `molmoscope serve` process: Range/HEAD/416, token, unknown ids and path escapes, thumbnails,
// and the playback proxy of the AVI sample and of an offset MP4 (probed: MP4/H.264, first frame at 0, same frames).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRange } from '../../src-main/core/library/media-http.js';
import { requestServe, serveImported, type ServeAnswer, type ServeProcess } from '../helpers/serve-process.js';
import { scratchDir } from '../helpers/tiny.js';
import { indexClip, readIndex, sampleClip } from '../helpers/media-fixtures.js';
import { createMediaService } from '../../src-main/core/media/index.js';
import { entry } from '../../src-main/api/at.js';

const media = createMediaService();

let srv: ServeProcess;
let dir: string;
let ids: Record<string, number>;
const sample = sampleClip('concourse-crowd-720p.avi');

before(async () => {
  dir = scratchDir('media-serving');
  const files = {
    mp4: indexClip('media-native', {
      duration: 3,
      fps: 10,
      bframes: 0,
      vf: 'format=yuv420p',
      out: ['-profile:v', 'high', '-qp', '10'],
    }),
    offset: indexClip('media-offset', { duration: 3, fps: 10, out: ['-output_ts_offset', '2.5'] }),
    ...(sample ? { avi: sample } : {}),
  };
  ({ srv, ids } = await serveImported(dir, files));
});
after(async () => {
  await srv?.stop();
});

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  requestServe(srv, path, { method, headers });
const tok = () => `token=${encodeURIComponent(srv.token)}`;
const code = (a: ServeAnswer) => (JSON.parse(a.body.toString()) as { error?: { code: string } }).error?.code;

test('parseRange: single, open, suffix, clamped, multi (ignored) and unsatisfiable ranges', () => {
  assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=50-500', 100), { start: 50, end: 99 });
  assert.equal(parseRange('bytes=0-1,5-6', 100), null);
  assert.equal(parseRange('items=0-1', 100), null);
  assert.equal(parseRange(null, 100), null);
  for (const bad of ['bytes=100-', 'bytes=9-3', 'bytes=-0', 'bytes=x-y', 'bytes=-'])
    assert.equal(parseRange(bad, 100), 'unsatisfiable', bad);
});

test('a natively playable MP4 is served as itself with Range, HEAD and 416', async () => {
  const path = `/media/recording/${ids.mp4}?${tok()}`;
  const whole = await get(path);
  assert.equal(whole.status, 200);
  assert.equal(whole.headers['content-type'], 'video/mp4');
  assert.equal(whole.headers['accept-ranges'], 'bytes');
  const size = whole.body.length;
  assert.equal(Number(whole.headers['content-length']), size);
  const head = await get(path, {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(Number(head.headers['content-length']), size);
  assert.equal(head.body.length, 0);
  const part = await get(path, { range: 'bytes=100-199' });
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], `bytes 100-199/${size}`);
  assert.deepEqual(part.body, whole.body.subarray(100, 200));
  const tail = await get(path, { range: 'bytes=-16' });
  assert.equal(tail.status, 206);
  assert.deepEqual(tail.body, whole.body.subarray(size - 16));
  const bad = await get(path, { range: `bytes=${size}-` });
  assert.equal(bad.status, 416);
  assert.equal(bad.headers['content-range'], `bytes */${size}`);
});

test('no token, a wrong token, unknown ids and path escapes are refused', async () => {
  assert.equal((await get(`/media/recording/${ids.mp4}`)).status, 401);
  assert.equal(code(await get(`/media/recording/${ids.mp4}?token=nope`)), 'UNAUTHORIZED');
  assert.equal(
    code(await get(`/media/recording/${ids.mp4}`, { authorization: `Bearer ${srv.token}` })),
    'UNAUTHORIZED',
  );
  const unknown = await get(`/media/recording/987654?${tok()}`);
  assert.equal(unknown.status, 404);
  assert.equal(code(unknown), 'NOT_FOUND');
  for (const p of [
    '/media/recording/..%2F..%2Fetc%2Fpasswd',
    '/media/recording/%2e%2e',
    '/media/thumb/1%2F..%2F..%2Fpackage.json',
    `/media/recording/${encodeURIComponent(join(dir, 'lib.db'))}`,
    '/media/recording/1.0',
    '/media/x/1',
  ]) {
    const a = await get(`${p}?${tok()}`);
    assert.equal(a.status, 404, p);
    assert.doesNotMatch(a.body.toString('latin1'), /SQLite format|root:|"name":\s*"molmoscope"/);
  }
  assert.equal((await get(`/media/thumb/${ids.mp4}?t=-1&${tok()}`)).status, 400);
  assert.equal((await get(`/media/thumb/${ids.mp4}?w=5&${tok()}`)).status, 400);
});

test('thumbnails are JPEG stills of the requested time and width', async () => {
  const a = await get(`/media/thumb/${ids.mp4}?t=1.5&w=32&${tok()}`);
  assert.equal(a.status, 200);
  assert.equal(a.headers['content-type'], 'image/jpeg');
  assert.deepEqual([...a.body.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  const again = await get(`/media/thumb/${ids.mp4}?t=1.5&w=32&${tok()}`);
  assert.deepEqual(again.body, a.body, 'the cached still is served again');
});

async function fetchToFile(id: number, name: string): Promise<string> {
  const a = await get(`/media/recording/${id}?${tok()}`);
  assert.equal(a.status, 200, a.body.toString().slice(0, 200));
  assert.equal(a.headers['content-type'], 'video/mp4');
  const out = join(dir, name);
  writeFileSync(out, a.body);
  return out;
}

test('an MP4 whose first frame is at 2.5 s (not natively on the timeline) gets an MP4 proxy on the recording timeline (same frame at the same time)', async () => {
  const proxy = await fetchToFile(entry(ids, 'offset', 'recording id'), 'offset-proxy.mp4');
  const p = await media.probe(proxy);
  assert.match(p.container, /mp4/);
  assert.equal(p.codec, 'h264');
  assert.ok(
    Math.abs(p.startTime) < 0.01 && Math.abs(p.formatStartTime) < 0.01,
    `proxy starts at ${p.startTime}/${p.formatStartTime}`,
  );
  assert.ok(Math.abs(p.duration - 3) < 0.15, `proxy lasts ${p.duration}`);
  const times = [0, 0.45, 1.2, 2.05, 2.9];
  const frames: number[] = [];
  for await (const f of media.decodeFrames(proxy, times)) frames.push(readIndex(f.rgb, f.width, f.height));
  const src: number[] = [];
  const original = indexClip('media-offset', { duration: 3, fps: 10, out: ['-output_ts_offset', '2.5'] });
  for await (const f of media.decodeFrames(original, times)) src.push(readIndex(f.rgb, f.width, f.height));
  assert.deepEqual(frames, src);
  assert.deepEqual(src, [0, 4, 12, 20, 29]);
});

test(
  'the AVI sample is served as a cached H.264/AAC MP4 proxy of the same duration',
  { skip: sample ? false : 'shared sample missing' },
  async () => {
    const proxy = await fetchToFile(ids.avi!, 'avi-proxy.mp4');
    const p = await media.probe(proxy);
    const orig = await media.probe(sample!);
    assert.match(p.container, /mp4/);
    assert.equal(p.codec, 'h264');
    assert.ok(p.hasAudio);
    assert.equal(p.width, orig.width);
    assert.ok(Math.abs(p.startTime) < 0.01, `proxy starts at ${p.startTime}`);
    assert.ok(Math.abs(p.duration - orig.duration) < 0.1, `${p.duration} vs ${orig.duration}`);
    const range = await get(`/media/recording/${ids.avi}?${tok()}`, { range: 'bytes=0-7' });
    assert.equal(range.status, 206);
    assert.equal(range.body.toString('latin1', 4, 8), 'ftyp', 'faststart MP4 begins with ftyp');
  },
);
