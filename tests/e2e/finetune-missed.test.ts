// "Add missed" on the Count page in real Chromium over the real `molmoscope serve`: a finished count run seeded from
// real Molmo2 answer strings; on its evidence frame a click adds a point the model missed (a green diamond beside the
// model's red circles), a click on it removes it, the keyboard adds one at the crosshair; the tally counts them; a
// dataset built on the Fine-tune page has them in the count target. Screenshots: test-results/e2e-finetune-missed/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { e2eApp, goToSection, screenshots } from '../helpers/e2e-harness.js';
import { tinyCheckpoint } from '../helpers/tiny.js';
import { seedLibrary } from '../core/finetune/ft-seed.js';

const app = e2eApp({
  viewport: { width: 1280, height: 1000 },
  serve: async () => {
    // Count run 1 on recording 1: windows 0–2 s [0, 1, 2], 1.5–3.5 s, 3–4 s; two people at 1 s in the first.
    const s = await seedLibrary('e2e-finetune-missed');
    s.lib.close();
    // The Fine-tune page estimates training on the model in use: the tiny checkpoint (nothing is run on it here).
    return {
      args: ['--library', join(s.dir, 'lib.db'), '--model', tinyCheckpoint({ seed: 1 }), '--ep', 'cpu'],
      env: { MOLMOSCOPE_HOME: join(s.dir, 'home') },
    };
  },
});

/** Clicks the evidence frame at a fraction of its width and height. */
async function clickFrame(page: Page, fx: number, fy: number): Promise<void> {
  const layer = page.getByTestId('missed-layer');
  const box = await layer.boundingBox();
  assert.ok(box, 'the add-missed layer is laid over the picture');
  await layer.click({ position: { x: box.width * fx, y: box.height * fy } });
}

const tally = (page: Page, text: string) => page.getByTestId('count-tally').filter({ hasText: text }).waitFor();

test(
  'Count page: add a missed point on the evidence frame by click and by keyboard, remove one, and see it in the dataset target',
  { timeout: 240_000 },
  async (t) => {
    if (app.skipped(t)) return;
    const { page, problems } = await app.open();
    const shots = screenshots('e2e-finetune-missed');
    await goToSection(page, 'count');
    await page.locator('select[name="run"]').selectOption('1');
    await tally(page, '6 counted, 0 rejected, 0 added');

    // To the first window's sampled frame at 1 s (the model's two points there), then add mode.
    await page.getByRole('button', { name: 'Add missed' }).click();
    await page.getByRole('button', { name: 'frame ▶' }).click();
    await page.getByText('sampled frame 1.00 s').waitFor();
    assert.equal(await page.locator('[data-testid="missed-layer"] .model-point').count(), 2);
    await clickFrame(page, 0.25, 0.75);
    await tally(page, '6 counted, 0 rejected, 1 added');
    await page
      .getByTestId('missed-note')
      .filter({ hasText: /Added #1 at 1\.00 s/ })
      .waitFor();
    await shots.take(page, 'added-by-click');

    // A click on the added point removes it; the next click adds it again.
    await page.locator('[data-testid="added-point"][data-id="1"]').click();
    await tally(page, '6 counted, 0 rejected, 0 added');
    await clickFrame(page, 0.25, 0.75);
    await page.locator('[data-testid="added-point"][data-id="2"]').waitFor();

    // Keyboard: focus the frame, move the crosshair up 50, Enter adds at (500, 450).
    await page.getByTestId('missed-layer').focus();
    await page.keyboard.press('Shift+ArrowUp');
    await page.keyboard.press('Enter');
    await tally(page, '6 counted, 0 rejected, 2 added');
    await page.getByRole('button', { name: /#3 at 1\.00 s \(500, 450\)/ }).waitFor();

    // Reject the model's right-hand person at 1 s (instance 2: 600, 400).
    await page.locator('[data-testid="verdict"][data-instance="2"]').getByRole('button', { name: '✗' }).click();
    await tally(page, '6 counted, 1 rejected, 2 added');
    await shots.take(page, 'reviewed');

    // The dataset: window 0's count target is the kept person, then both added points; the rejected one is gone.
    await goToSection(page, 'finetune');
    await page.locator('input[name="datasetName"]').fill('missed');
    await page.locator('input[name="heldoutShare"]').fill('0');
    await page.getByRole('button', { name: 'Build dataset' }).click();
    // The clicked point landed within a pixel or two of (250, 750); the target holds it as stored, formatted.
    const { points } = await app.op<{ points: Array<{ id: number; mx: number; my: number }> }>('finetune.missed', {
      runId: 1,
    });
    const clicked = points.find((p) => p.id === 2);
    assert.ok(clicked && Math.abs(clicked.mx - 250) <= 5 && Math.abs(clicked.my - 750) <= 5, JSON.stringify(points));
    const target = `Counting the <points coords="1.0 1 100 500 2 ${clicked.mx} ${clicked.my} 3 500 450">person</points> shows a total of 3.`;
    const example = page.locator('[data-testid="example"][data-task="count"]').filter({ hasText: '2 added' });
    await example.locator(`code.answer[title='${target}']`).waitFor();
    const stored = await app.op<{ examples: Array<{ answer: string; source: { window?: number; added?: number[] } }> }>(
      'finetune.dataset.examples',
      { datasetId: 1 },
    );
    const first = stored.examples.find((e) => e.source.window === 0);
    assert.deepEqual([first?.answer, first?.source.added], [target, [2, 3]]);
    await shots.take(page, 'dataset');
    assert.deepEqual(problems, []);
  },
);
