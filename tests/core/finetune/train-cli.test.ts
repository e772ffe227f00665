// `molmoscope train` end to end on the tiny checkpoint and generated clips: bad lines refused with line numbers and
// reasons (or skipped with --skip-bad), NDJSON progress, and kill -9 mid-run + resume ending in the same adapter bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLines, runCli } from '../../helpers/cli.js';
import { scratchDir, tinyCheckpoint } from '../../helpers/tiny.js';
import { lavfiStill } from '../../helpers/media-fixtures.js';
import { chat, hueClip, trainArgv, trainEnv } from './train-data.js';

const base = tinyCheckpoint({ seed: 7, dtype: 'float32' });
const line = (o: unknown) => JSON.stringify(o);

function dataset(dir: string, extra: string[] = []): string {
  const file = join(dir, 'data.jsonl');
  const good = [
    line({
      video: hueClip(100),
      messages: chat(
        'How many people are there?',
        'Counting the <points coords="0.5 1 500 400">people</points> shows a total of 1.',
      ),
    }),
    line({
      video: hueClip(200),
      start: 0,
      end: 2,
      messages: chat('Track the car.', '<tracks coords="0.0 1 120 340;0.5 1 150 330">car</tracks>'),
    }),
    line({
      image: lavfiStill('train-frame-200x150.png', 'testsrc=size=200x150'),
      task: 'caption',
      messages: chat('Describe this image.', 'A test pattern.'),
    }),
  ];
  writeFileSync(file, [...good, ...extra].join('\n') + '\n');
  return file;
}

function garbage(dir: string): string {
  const f = join(dir, 'garbage.mp4');
  writeFileSync(f, Buffer.alloc(5000, 7));
  return f;
}

test('bad lines are reported with their line number and reason, and nothing is trained unless --skip-bad', async () => {
  const dir = scratchDir('train-cli');
  const bad = [
    '{not json',
    line({ video: hueClip(100) }),
    line({
      video: hueClip(100),
      messages: [
        { role: 'assistant', content: 'x' },
        { role: 'user', content: 'y' },
      ],
    }),
    line({ video: join(dir, 'missing.mp4'), messages: chat('q', 'a') }),
    line({ video: hueClip(100), start: 3, messages: chat('q', 'a') }),
    line({ image: 'x.png', weight: -1, messages: chat('q', 'a') }),
    line({ video: hueClip(100), start: 1e12, end: 1e12 + 5, messages: chat('q', 'a') }),
    line({ video: hueClip(100), messages: chat('q', 'a'), extra: 1 }),
    line({ video: garbage(dir), messages: chat('q', 'a') }),
  ];
  const data = dataset(dir, bad);
  const out = join(dir, 'adapter');
  const r = await runCli(trainArgv(base, data, out, ['--steps', '1', '--json']), { env: trainEnv(dir) });
  assert.equal(r.code, 2, r.err);
  const reported = jsonLines(r.out).filter((e) => e.event === 'bad-line');
  assert.deepEqual(
    reported.map((e) => e.line),
    [4, 5, 6, 7, 8, 9, 10, 11],
  );
  for (const e of reported) assert.ok(typeof e.reason === 'string' && e.reason.length > 5, String(e.reason));
  assert.match(String(reported[3]!.reason), /not found/);
  assert.ok(!existsSync(join(out, 'adapter_model.safetensors')));
  const ok = await runCli(
    trainArgv(base, data, out, ['--steps', '2', '--rank', '4', '--alpha', '8', '--skip-bad', '--json']),
    { env: trainEnv(dir) },
  );
  assert.equal(ok.code, 0, ok.err);
  const ev = jsonLines(ok.out);
  assert.equal(ev.filter((e) => e.event === 'prepare').length, 3);
  // The garbage "video" passes validation and fails when decoded: reported as a bad line and skipped.
  const late = ev.filter((e) => e.event === 'bad-line' && e.line === 12);
  assert.equal(late.length, 1);
  assert.match(String(late[0]!.reason), /NOT_A_VIDEO|FFMPEG|UNSUPPORTED|video/i);
  const steps = ev.filter((e) => e.event === 'step');
  assert.equal(steps.length, 2);
  for (const k of ['step', 'loss', 'lr', 'tokensPerSecond', 'etaSeconds'])
    assert.equal(typeof steps[0]![k], 'number', k);
  assert.ok(existsSync(join(out, 'adapter_model.safetensors')) && existsSync(join(out, 'adapter_config.json')));
  // Second preparation of the same clips reads the cached features.
  const again = await runCli(
    trainArgv(base, data, join(dir, 'a2'), ['--steps', '1', '--rank', '4', '--skip-bad', '--json']),
    { env: trainEnv(dir) },
  );
  assert.ok(
    jsonLines(again.out)
      .filter((e) => e.event === 'prepare')
      .every((e) => e.featuresCached === true),
  );
});

test('nonsense flags are refused', async () => {
  const dir = scratchDir('train-cli');
  const data = dataset(dir);
  for (const flags of [
    ['--steps', '0'],
    ['--lr', '5'],
    ['--rank', '0'],
    ['--rank', '100000'],
    ['--alpha', '0'],
    ['--seed', '-1'],
    ['--steps', 'abc'],
  ]) {
    const r = await runCli(trainArgv(base, data, join(dir, 'o'), flags), { env: trainEnv(dir) });
    assert.equal(r.code, 2, `${flags.join(' ')}: ${r.err}`);
  }
});

function trainChild(
  argv: string[],
  dir: string,
  killAtStep?: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, ['bin/molmoscope.mjs', ...argv, '--json'], { env: trainEnv(dir) });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAtStep !== undefined && out.includes(`"step":${killAtStep},`)) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => res({ code, signal, out }));
  });
}

test('kill -9 during training, then the same command again, ends with the same adapter bytes', async () => {
  const dir = scratchDir('train-cli');
  const data = dataset(dir);
  const training = ['--steps', '8', '--rank', '4', '--alpha', '8', '--lr', '1e-2'];
  const argv = (out: string) =>
    trainArgv(base, data, join(dir, out), [...training, '--checkpoint-every', '2', '--seed', '11']);
  const whole = await trainChild(argv('whole'), dir);
  assert.equal(whole.code, 0, whole.out);
  const killed = await trainChild(argv('killed'), dir, 5);
  assert.equal(killed.signal, 'SIGKILL');
  const resumed = await trainChild(argv('killed'), dir);
  assert.equal(resumed.code, 0, resumed.out);
  const firstStep = jsonLines(resumed.out).find((e) => e.event === 'step')!;
  assert.ok(Number(firstStep.step) > 1 && Number(firstStep.step) <= 6, `resumed at step ${String(firstStep.step)}`);
  const a = readFileSync(join(dir, 'whole', 'adapter_model.safetensors'));
  const b = readFileSync(join(dir, 'killed', 'adapter_model.safetensors'));
  assert.ok(a.equals(b), 'identical adapter bytes');
});
