// The Fine-tune page in real Chromium over the real `molmoscope serve` (tiny generated checkpoint, CPU provider):
// runs stored from real Molmo2 answer strings and a deleted track seeded in the library, then through the pages: reject a
// counted instance on the Count page, type an answer on a clip, build a dataset, train a few steps and watch the loss curve fill, see the
// before/after table, activate the adapter, and see a count run record it. Screenshots: test-results/e2e-finetune/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tinyCheckpoint } from '../helpers/tiny.js';
import { e2eApp, goToSection, screenshots } from '../helpers/e2e-harness.js';
import { loadCountResult } from '../../src-main/core/analytics/count-results-store.js';
import { addCorrection } from '../../src-main/core/analytics/run-corrections.js';
import { seedLibrary } from '../core/finetune/ft-seed.js';

const seeded = { rejected: 0 };

/** The library the pages start from (ft-seed's runs, the count run asking for at most 4 tokens); returns its folder. */
async function seed(): Promise<string> {
  const s = await seedLibrary('e2e-finetune', {
    query: 'person',
    settings: { windowLength: 2, overlap: 0.5, maxFrames: 3, maxNewTokens: 4 },
  });
  seeded.rejected = loadCountResult(s.lib, s.countRun).instances[0]!.id;
  addCorrection(s.lib, s.trackRun, { kind: 'delete', trackId: 2 });
  s.lib.close();
  return s.dir;
}

const app = e2eApp({
  serve: async () => {
    const dir = await seed();
    return {
      args: ['--model', tinyCheckpoint({ seed: 1 }), '--ep', 'cpu', '--library', join(dir, 'lib.db')],
      env: { MOLMOSCOPE_HOME: join(dir, 'home') },
    };
  },
  viewport: { width: 1280, height: 1000 },
});

test(
  'Fine-tune page: build a dataset, train with a live loss curve, before/after table, activate, a count run records the adapter',
  { timeout: 15 * 60_000 },
  async (t) => {
    if (app.skipped(t)) return;
    const shots = screenshots('e2e-finetune');
    const { page, problems } = await app.open({ consoleErrors: 'off', httpErrors: true });

    // Training material from the pages: a counted instance rejected on the Count page, a typed answer on a clip.
    await goToSection(page, 'count');
    await page.locator('select[name="run"]').selectOption('1');
    await page
      .locator(`[data-testid="verdict"][data-instance="${seeded.rejected}"]`)
      .getByRole('button', { name: '✗' })
      .click();
    await page.locator(`[data-testid="verdict"][data-instance="${seeded.rejected}"][data-verdict="reject"]`).waitFor();
    await goToSection(page, 'finetune');
    await page.locator('select[name="answerRecording"]').selectOption('2');
    await page.locator('input[name="answerEnd"]').fill('3');
    await page.locator('input[name="answerQuestion"]').fill('What is shown?');
    await page.locator('input[name="answerText"]').fill('Colour bars.');
    await page.getByRole('button', { name: 'Add answer' }).click();
    await page.getByTestId('clip-answer').waitFor();

    // Dataset: built from the seeded corrections; examples listed with thumbnails, counts per task.
    await page.locator('input[name="datasetName"]').fill('e2e');
    await page.getByRole('button', { name: 'Build dataset' }).click();
    await page.locator('[data-testid="dataset-counts"] tr[data-task="count"]').waitFor();
    await page.locator('[data-testid="dataset-counts"] tr[data-task="track"]').waitFor();
    await page.locator('[data-testid="dataset-counts"] tr[data-task="qa"]').waitFor();
    const reviewed = await app.op<{ examples: Array<{ task: string; source: { rejected?: number[] } }> }>(
      'finetune.dataset.examples',
      { datasetId: 1 },
    );
    assert.ok(
      reviewed.examples.filter((e) => e.task === 'count').every((e) => e.source.rejected?.includes(seeded.rejected)),
    );
    const examples = page.getByTestId('example');
    assert.ok((await examples.count()) >= 4);
    assert.ok((await page.locator('[data-testid="example"][data-split="heldout"]').count()) >= 1);

    // Training: a few steps on the tiny checkpoint; the estimate is shown first; the loss curve fills step by step.
    for (const [k, v] of [
      ['steps', '3'],
      ['rank', '2'],
      ['alpha', '4'],
      ['warmup', '0'],
      ['checkpointEvery', '1'],
      ['lr', '0.001'],
    ] as const)
      await page.locator(`input[name="${k}"]`).fill(v);
    await page.locator('details.advanced summary').click();
    await page.locator('input[name="evalMaxNewTokens"]').fill('4');
    await page.locator('[data-testid="estimate"][data-fits="true"]').waitFor();
    assert.match(
      await page.getByTestId('estimate').innerText(),
      /Memory about [\d.]+ GiB of [\d.]+ GiB available \(fits/,
    );
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.locator('[data-testid="loss-chart"][data-points="3"]').waitFor({ timeout: 300_000 });
    await page.locator('[data-testid="job-progress"][data-status="done"]').waitFor({ timeout: 300_000 });
    await shots.take(page, 'trained');

    // Before/after: base and the adapter side by side, filled when both evals end.
    await page.locator('[data-testid="before-after"] th[data-col="adapter-1"]').waitFor({ timeout: 300_000 });
    await page.locator('[data-testid="before-after"] th[data-col="base"]').waitFor();
    const stored = await app.op<{ evals: Array<{ adapterId: number | null }> }>('finetune.evals', { datasetId: 1 });
    assert.ok(stored.evals.some((e) => e.adapterId === null) && stored.evals.some((e) => e.adapterId === 1));

    // Activate the adapter; a count run then records it (its model id is the merged base + adapter).
    await page.locator('[data-testid="adapter"][data-id="1"]').getByRole('button', { name: 'Activate' }).click();
    await page.locator('[data-testid="adapter"][data-id="1"][data-active="true"]').waitFor();
    assert.match(await page.getByTestId('active-model').innerText(), /base \+ e2e v1/);
    // Two clicks: Activate, then Run again on the base's count run; the new run records the adapter beside the base one.
    await page
      .locator('[data-testid="run-models"] tr[data-run="1"]')
      .getByRole('button', { name: 'Run again' })
      .click();
    await page
      .locator('[data-testid="run-models"] tr[data-run="3"] [data-testid="run-adapter"]')
      .filter({ hasText: 'e2e v1' })
      .waitFor({ timeout: 300_000 });
    await page
      .locator('[data-testid="run-models"] tr[data-run="3"] [data-testid="run-found"]')
      .filter({ hasText: /^\d+$/ })
      .waitFor({ timeout: 300_000 });
    assert.equal(
      await page.locator('[data-testid="run-models"] tr[data-run="1"] [data-testid="run-adapter"]').innerText(),
      'base',
    );
    const runs = await app.op<{ runs: Array<{ runId: number; adapterId: number | null; modelId: string }> }>(
      'finetune.runModels',
      {},
    );
    assert.equal(runs.runs.find((r) => r.runId === 3)?.adapterId, 1);
    await shots.take(page, 'activated');
    assert.deepEqual(problems, []);
  },
);
