// contentRect: the displayed picture of an object-fit: contain <video> (letterboxed or pillarboxed) and the
// source-pixel → CSS-pixel mapping that Count/Track overlays use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentRect } from '../../src-renderer/src/components/content-rect.js';

const box = (clientWidth: number, clientHeight: number, videoWidth: number, videoHeight: number) => ({
  clientWidth,
  clientHeight,
  videoWidth,
  videoHeight,
});

test('a 16:9 video in a taller box is letterboxed: bars top and bottom, scale by width', () => {
  const r = contentRect(box(640, 480, 1280, 720));
  assert.deepEqual([r.left, r.top, r.width, r.height, r.scale], [0, 60, 640, 360, 0.5]);
  assert.deepEqual(r.toCss(1280, 720), { x: 640, y: 360 });
  assert.deepEqual(r.toCss(100, 200), { x: 50, y: 100 });
});

test('a 4:3 video in a wide box is pillarboxed: bars left and right, scale by height', () => {
  const r = contentRect(box(1000, 300, 640, 480));
  assert.equal(r.top, 0);
  assert.equal(r.height, 300);
  assert.equal(r.width, 400);
  assert.equal(r.left, 300);
  assert.deepEqual(r.toCss(320, 240), { x: 200, y: 150 });
});

test('source pixels of the recording map through a proxy one pixel smaller (even dimensions)', () => {
  // Recording 1281×721, proxy 1280×720 drawn in a 640×360 box: the recording's far corner lands on the picture's.
  const r = contentRect(box(640, 360, 1280, 720), 1281, 721);
  assert.deepEqual([r.left, r.top, r.width, r.height], [0, 0, 640, 360]);
  const c = r.toCss(1281, 721);
  assert.ok(Math.abs(c.x - 640) < 1e-9 && Math.abs(c.y - 360) < 1e-9);
});

test('before metadata (videoWidth 0) the source size is used; an empty box gives an empty rect', () => {
  const r = contentRect(box(320, 320, 0, 0), 200, 100);
  assert.deepEqual([r.top, r.width, r.height], [80, 320, 160]);
  const e = contentRect(box(0, 0, 1280, 720));
  assert.deepEqual([e.width, e.height], [0, 0]);
});
