// The prompt and parse CLI commands on real files: ffmpeg-decoded images (EXIF orientation) and a generated clip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { lavfiClip, lavfiStill } from '../../helpers/media-fixtures.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { loadImageRgb, jpegOrientation, compositeOnWhite } from '../../../src-main/core/molmo2/prompt/image-source.js';

const cli = (args: string[], stdin = '') => runCli(args, { env: process.env, stdin });

test('parse: stdin answer → JSON with pixels, count and dropped parts', async () => {
  const r = await cli(
    ['parse', '--kind', 'multi-image', '--sizes', '640x480,100x100'],
    '<points coords="1 1 016 042 2 469 417;2 3 500 600;3 4 500 500">cat</points> shows a total of 3.',
  );
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.count, 3);
  assert.deepEqual(
    j.points.map((p: { key: number; id: number }) => [p.key, p.id]),
    [
      [1, 1],
      [1, 2],
      [2, 3],
    ],
  );
  assert.deepEqual(j.points[2], { key: 2, id: 3, x: 50, y: 60 });
  assert.equal(j.dropped.length, 1);
  assert.match(j.dropped[0].reason, /no image 3/);
  const v = await cli(
    ['parse', '--kind', 'video', '--width', '640', '--height', '480'],
    '<tracks coords="0.0 1 156 625 2 625 208;0.5 2 641 229">person</tracks>',
  );
  assert.deepEqual(
    JSON.parse(v.out).tracks.map((t: { id: number }) => t.id),
    [1, 2],
  );
  const bad = await cli(['parse', '--kind', 'image']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /INVALID_INPUT/);
});

test('prompt --image: token count and types of a 640×480 image on the tiny checkpoint', async () => {
  const dir = scratchDir('cli-img');
  try {
    const png = lavfiStill('testsrc-640x480.png', 'testsrc=size=640x480:rate=1');
    const r = await cli([
      'prompt',
      '--model',
      tinyCheckpoint({ seed: 0 }),
      '--image',
      png,
      'Describe this image.',
      '--json',
    ]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.tokenCount, 1 + 752 + 12);
    assert.equal(j.tokenTypes.visual, 752);
    assert.equal(j.tokenTypes.imPatch, j.pooledTokens);
    assert.equal(j.nCrops, 5);
    assert.deepEqual(j.imageGrids, [[14, 14, 23, 23]]);
    assert.match(
      j.text,
      /^<\|im_end\|><low_res_im_start><im_patch>×196<im_end><im_start>(<im_patch>×23<im_col>){23}<im_end><\|im_start\|>user\nDescribe this image\./,
    );
    const missing = await cli(['prompt', '--model', join(dir, 'nope'), '--image', png, 'q']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /NOT_FOUND/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('prompt --video: frames sampled on the 0.5 s grid plus the last frame', async () => {
  const mp4 = lavfiClip('testsrc-160x120-25fps-1.2s.mp4', 'testsrc=size=160x120:rate=25', 1.2);
  const r = await cli(['prompt', '--model', tinyCheckpoint({ seed: 0 }), '--video', mp4, 'Which animal?', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.timestamps, [0, 0.5, 1, 1.2]);
  assert.deepEqual(j.videoGrid, [4, 9, 9]);
  assert.equal(j.tokenTypes.imPatch, 4 * 81);
  assert.match(
    j.text,
    /^<\|im_end\|>0\.0 <im_start><im_patch>×81<im_end> 0\.5 <im_start><im_patch>×81<im_end> 1\.0 <im_start><im_patch>×81<im_end> 1\.2 <im_start>/,
  );
});

test('images are decoded to RGB with EXIF orientation applied', async () => {
  const dir = scratchDir('exif');
  try {
    // 64×32: left half red, right half blue.
    const halves = 'color=c=red:size=32x32,format=rgb24[a];color=c=blue:size=32x32,format=rgb24[b];[a][b]hstack';
    const plain = lavfiStill('red-blue-64x32.jpg', halves, ['-q:v', '2']);
    const jpg = readFileSync(plain);
    // Insert an APP1 Exif segment with Orientation = 6 (rotate 90° clockwise to display) right after SOI.
    const tiff = Buffer.from([
      0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0,
    ]);
    const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
    const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 255]), body]);
    const rotated = join(dir, 'rot6.jpg');
    writeFileSync(rotated, Buffer.concat([jpg.subarray(0, 2), app1, jpg.subarray(2)]));
    assert.equal(jpegOrientation(readFileSync(rotated)), 6);
    const a = await loadImageRgb(plain);
    assert.deepEqual([a.width, a.height], [64, 32]);
    const b = await loadImageRgb(rotated);
    assert.deepEqual([b.width, b.height], [32, 64]);
    const px = (img: typeof b, x: number, y: number) =>
      Array.from(img.rgb.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
    const [r0, , b0] = px(b, 16, 8);
    const [r1, , b1] = px(b, 16, 56);
    assert.ok(r0 !== undefined && b0 !== undefined && r1 !== undefined && b1 !== undefined);
    assert.ok(r0 > 200 && b0 < 60, `top should be red, got ${px(b, 16, 8)}`);
    assert.ok(b1 > 200 && r1 < 60, `bottom should be blue, got ${px(b, 16, 56)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('transparent pixels are composited onto white (PIL alpha_composite arithmetic)', async () => {
  // (0, a=128) → 127; (255, a=128) → 255; (100, a=200) → 133; a=0 → white; a=255 → unchanged.
  const px = Uint8Array.from([0, 255, 100, 128, 100, 100, 100, 200, 1, 2, 3, 0, 9, 8, 7, 255]);
  assert.deepEqual(Array.from(compositeOnWhite(px, 4, 1)), [127, 255, 177, 133, 133, 133, 255, 255, 255, 9, 8, 7]);
  const png = lavfiStill('transparent-8x4.png', 'color=c=black@0.0:size=8x4,format=rgba');
  const img = await loadImageRgb(png);
  assert.deepEqual([img.width, img.height], [8, 4]);
  assert.ok(
    img.rgb.every((v) => v === 255),
    'fully transparent black becomes white',
  );
});
