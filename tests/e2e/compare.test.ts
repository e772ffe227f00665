// Base against adapter on the Count page in real Chromium over the real `molmoscope serve` (tiny generated checkpoint,
// CPU provider, an adapter registered beside it but not active): a count with the base, one click re-runs it with the
// adapter, one click compares, and the side-by-side view shows both runs with their models and the difference strip.
// Then the Track page: two seeded track runs of the two models compare with both runs' lanes.
// Screenshots: test-results/e2e-compare/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { scratchDir, tinyCheckpoint } from '../helpers/tiny.js';
import { e2eApp, goToSection, screenshots } from '../helpers/e2e-harness.js';
import { makeTinyAdapter, registerAdapter } from '../helpers/tiny-adapter.js';
import { seedRun } from '../helpers/seed-run.js';
import { openLibrary } from '../../src-main/core/library/store.js';
import { importPaths } from '../../src-main/core/library/import.js';
import { setRunAdapter } from '../../src-main/core/analytics/analytics-runs-adapter-store.js';
import { adapterRecord } from '../../src-main/core/finetune/use-adapter.js';
import { testMediaSource } from '../helpers/media-source.js';
import { makeClip } from '../core/library/clips.js';
import type { RunDto } from '../../src-main/api/ops/analytics.js';

const model = tinyCheckpoint({ seed: 1 });
const TRACK = { windowLength: 2, overlap: 0.5, maxFrames: 4 };
const seeded = { sha: '', trackBase: 0, trackAdapter: 0 };

/** A library with one clip, the adapter registered (inactive), and two track runs: one "base", one "adapter". */
async function seed(dir: string, db: string) {
  const lib = openLibrary(db, { create: true });
  await importPaths(lib, [makeClip(join(dir, 'media', 'a.mp4'), { seconds: 4 })], {
    media: testMediaSource(),
    signal: new AbortController().signal,
  });
  const track = (coords: string) =>
    seedRun(lib, 'track', {
      query: 'car',
      recordingId: 1,
      settings: TRACK,
      answer: () => `<tracks coords="${coords}">car</tracks>`,
    });
  seeded.trackBase = track('0.0 1 100 500 2 800 500;0.5 1 110 500 2 790 500;1.0 1 120 500');
  seeded.trackAdapter = track('0.0 1 102 500;0.5 1 112 500;1.0 1 122 500');
  lib.close();
  const adapter = makeTinyAdapter(model, join(dir, 'my-adapter'));
  registerAdapter(db, { dir: adapter, name: 'my-adapter', baseModel: model, active: false });
  seeded.sha = adapterRecord(model, adapter).sha256;
  const again = openLibrary(db, { create: false });
  setRunAdapter(again.db, seeded.trackAdapter, { sha256: seeded.sha, name: 'my-adapter' });
  again.close();
}

/** `serve` on the tiny checkpoint over a freshly seeded library. */
async function serveSeeded() {
  const dir = scratchDir('e2e-compare');
  const db = join(dir, 'lib.db');
  await seed(dir, db);
  return { args: ['--model', model, '--ep', 'cpu', '--library', db], env: { MOLMOSCOPE_HOME: join(dir, 'home') } };
}

const app = e2eApp({ serve: serveSeeded, viewport: { width: 1280, height: 1100 } });
const shots = screenshots('e2e-compare');

test(
  'Count: a base run, one click re-runs it with the adapter, one click compares them side by side; Track: both lanes',
  { timeout: 10 * 60_000 },
  async (t) => {
    if (app.skipped(t)) return;
    const { page, problems } = await app.open({ consoleErrors: 'except-failed-loads', httpErrors: true });

    // A count with the base model (no adapter is active) through the form.
    await goToSection(page, 'count');
    await page.locator('input[name="query"]').fill('person');
    await page.locator('details.advanced summary').click();
    const settings = { windowLength: '2', overlap: '0.5', maxFrames: '2', maxNewTokens: '6' };
    for (const [name, v] of Object.entries(settings)) await page.locator(`input[name="${name}"]`).fill(v);
    await page.getByRole('button', { name: 'Count', exact: true }).click();
    await page.locator('[data-testid="job-progress"][data-status="done"]').waitFor({ timeout: 120_000 });
    const bar = page.getByTestId('compare-bar');
    await page.locator('[data-testid="compare-bar"] [data-testid="run-model"]', { hasText: 'base model' }).waitFor();
    const baseRun = Number(await bar.getAttribute('data-run'));

    // Click 1: re-run with the adapter; when its job ends, the new run is picked and names the adapter.
    await bar.getByRole('button', { name: 'Re-run with my-adapter' }).click();
    await page.locator(`[data-testid="compare-bar"]:not([data-run="${baseRun}"])`).waitFor({ timeout: 120_000 });
    await page.locator('[data-testid="run-model"]', { hasText: 'adapter “my-adapter”' }).waitFor();
    const adapterRun = Number(await bar.getAttribute('data-run'));
    const runs = (await app.op<{ runs: RunDto[] }>('analytics.runs', { kind: 'count' })).runs;
    const byId = (id: number) => runs.find((r) => r.id === id);
    assert.equal(byId(baseRun)?.adapter, null);
    assert.equal(byId(adapterRun)?.adapter?.sha256, seeded.sha);
    assert.deepEqual(byId(adapterRun)?.params, byId(baseRun)?.params);
    await shots.take(page, 'rerun-done');

    // Click 2: compare; both sides, their models, and the per-frame difference strip.
    await bar.getByTestId('compare').click();
    const view = page.getByTestId('compare-view');
    await view.waitFor();
    assert.equal(await view.getByTestId('side-a').getAttribute('data-run'), String(baseRun));
    assert.equal(await view.getByTestId('side-b').getAttribute('data-run'), String(adapterRun));
    assert.match(await view.getByTestId('side-a').innerText(), /base model/);
    assert.match(await view.getByTestId('side-b').innerText(), /my-adapter/);
    await view.getByTestId('diff-strip').waitFor();
    await view.getByTestId('agreement').waitFor();
    await shots.take(page, 'count-compare');

    // Track: the seeded adapter run compares with the base run; both runs' lanes, items seek the player.
    await goToSection(page, 'track');
    await page.locator('select[name="run"]').selectOption(String(seeded.trackAdapter));
    await page.getByTestId('compare').click();
    await page.locator('[data-testid="compare-view"][data-kind="track"]').waitFor();
    await page.getByTestId('lanes-a').waitFor();
    await page.getByTestId('lanes-b').waitFor();
    assert.equal(await page.getByTestId('total-a').innerText(), '2');
    assert.equal(await page.getByTestId('total-b').innerText(), '1');
    await page.locator('[data-testid="list-only-a"] [data-testid="compare-item"]').first().click();
    await page.getByTestId('marker-a').waitFor();
    await page.locator('[data-testid="list-matched"] [data-testid="compare-item"]').first().click();
    await page.getByTestId('marker-b').waitFor();
    await shots.take(page, 'track-compare');
    assert.deepEqual(problems, []);
  },
);
