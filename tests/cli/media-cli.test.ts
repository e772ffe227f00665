// The media CLI commands through the real binary: stable JSON shapes on stdout, errors as JSON on stderr with exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { main } from '../../src-main/cli/main.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleTimes } from '../../src-main/core/media/sampling.js';
import { windowsFor } from '../../src-main/core/media/windows.js';
import { indexClip } from '../helpers/media-fixtures.js';
import { scratchDir } from '../helpers/tiny.js';

/** Runs the CLI in-process through main() (the dispatcher the binary uses), capturing stdout/stderr. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (f: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        f(String(chunk));
        cb();
      },
    });
  const code = await main(args, {
    stdout: sink((s) => {
      stdout += s;
    }),
    stderr: sink((s) => {
      stderr += s;
    }),
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

const clip = () => indexClip('cfr25-10s', { duration: 10, fps: 25 });

test('probe --json prints duration, width, height, fps, vfr, …', async () => {
  const r = await cli('probe', clip(), '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(
    [j.duration, j.width, j.height, j.fps, j.vfr, j.rotation, j.codec, j.truncated, j.hasAudio],
    [10, 64, 48, 25, false, 0, 'h264', false, false],
  );
});

test("frames --json prints the rule's times; --start/--end and --max-frames apply; --out writes PNGs", async () => {
  let r = await cli('frames', clip(), '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).times, sampleTimes(10));
  r = await cli('frames', clip(), '--start', '2', '--end', '6', '--max-fps', '1', '--json');
  assert.deepEqual(JSON.parse(r.stdout).times, [2, 3, 4, 5, 6]);
  r = await cli('frames', clip(), '--max-frames', '4', '--json');
  assert.deepEqual(JSON.parse(r.stdout).times, sampleTimes(10, { maxFrames: 4 }));
  const dir = scratchDir('frames-out');
  r = await cli('frames', clip(), '--max-frames', '3', '--out', dir, '--json');
  assert.equal(r.code, 0, r.stderr);
  const files: string[] = JSON.parse(r.stdout).files;
  assert.equal(files.length, 3);
  for (const f of files)
    assert.deepEqual([...readFileSync(f).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
  assert.ok(existsSync(join(dir, 'frame-00002.png')));
});

test('windows --json lists windows with times in recording time', async () => {
  const r = await cli('windows', clip(), '--length', '4', '--overlap', '1', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.windows, JSON.parse(JSON.stringify(windowsFor(10, { length: 4, overlap: 1 }))));
  assert.equal(j.count, 3);
});

test('errors print {"error":{code,message}} on stderr with exit code 2', async () => {
  const dir = scratchDir('cli-bad');
  const text = join(dir, 'x.mp4');
  writeFileSync(text, 'hello');
  for (const [args, code] of [
    [['probe', join(dir, 'missing.mp4'), '--json'], 'NOT_FOUND'],
    [['frames', text, '--json'], 'NOT_A_VIDEO'],
    [['frames', clip(), '--max-frames', 'lots', '--json'], 'INVALID_INPUT'],
    [['frames', clip(), '--mode', 'fps', '--json'], 'INVALID_INPUT'], // 25 fps is not divisible by the 2 fps sampling rate
    [['windows', clip(), '--overlap', '100', '--json'], 'INVALID_INPUT'],
  ] as Array<[string[], string]>) {
    const r = await cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const e = JSON.parse(r.stderr.trim().split('\n').pop()!);
    assert.equal(e.error.code, code, r.stderr);
    assert.equal(typeof e.error.message, 'string');
  }
});

test('the real binary: JSON on stdout, error JSON on stderr with exit code 2', () => {
  const ok = spawnSync(process.execPath, ['bin/molmoscope.mjs', 'probe', clip(), '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).duration, 10);
  const bad = spawnSync(process.execPath, ['bin/molmoscope.mjs', 'frames', 'no/such/file.mp4', '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(bad.status, 2);
  assert.equal(bad.stdout, '');
  assert.equal(JSON.parse(bad.stderr.trim()).error.code, 'NOT_FOUND');
});
