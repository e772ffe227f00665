// End to end in real Chromium: the Models page against the real `molmoscope serve` and a loopback Hub. A page that
// needs a model says how to get one; a download shows progress, pauses, resumes and finishes; the model becomes
// active and is named on the Count page; a folder is added and chosen (with its precisions on this machine); the
// download is deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scratchDir, tinyCheckpoint } from '../helpers/tiny.js';
import { startHubServer, type HubServer } from '../helpers/hub-server.js';
import { e2eApp, goToSection, screenshots } from '../helpers/e2e-harness.js';

const tiny = tinyCheckpoint({ shards: 2 });
let hub: HubServer | undefined;
const app = e2eApp({
  serve: async () => {
    hub = await startHubServer({ 'someone/Molmo2-tiny': { dir: tiny } }, { bytesPerSecond: 4_000_000 });
    return { env: { HF_ENDPOINT: hub.url, MOLMOSCOPE_MODEL: '' } };
  },
  teardown: () => hub?.close(),
});

test('Models page: download with progress, pause, resume, choose, add a folder, delete', async (t) => {
  if (app.skipped(t)) return;
  assert.ok(hub, 'the loopback Hub is up');
  // A refused op answers an HTTP error status, which Chromium logs; which requests failed is checked below instead.
  const { page, problems, failedResponses } = await app.open({ consoleErrors: 'except-failed-loads' });
  const shots = screenshots('e2e', { keep: true }); // app-ui's folder: its screenshots stay
  // No model installed or given: the first page is Models.
  await page.waitForURL(/#\/models$/);
  await page.getByTestId('no-models').waitFor();
  await goToSection(page, 'count');
  await page.getByTestId('no-model').getByText('molmoscope model download molmo2-4b').waitFor();

  await goToSection(page, 'models');
  await page.getByTestId('catalogue-entry').filter({ hasText: 'Molmo2-4B' }).getByText('allenai/Molmo2-4B').waitFor();
  await page
    .getByTestId('catalogue-entry')
    .filter({ hasText: 'Molmo2-O-7B' })
    .getByText('allenai/Molmo2-O-7B')
    .waitFor();
  assert.equal(
    await page
      .getByTestId('catalogue-entry')
      .filter({ hasText: 'Molmo2-O-7B' })
      .getByRole('button', { name: 'Download' })
      .isEnabled(),
    true,
  );
  await page.getByTestId('no-models').waitFor();
  await page.getByTestId('repo-input').fill('someone/Molmo2-tiny');
  await page.getByRole('button', { name: 'Download', exact: true }).last().click();
  const row = page.getByTestId('download');
  await row.getByText(/MB\/s · about \d+ s left/).waitFor({ timeout: 30_000 });
  await shots.take(page, 'models-downloading');
  await row.getByRole('button', { name: 'Pause' }).click();
  await page.locator('[data-testid="download"][data-status="paused"]').waitFor();
  hub.faults.bytesPerSecond = undefined;
  await row.getByRole('button', { name: 'Resume' }).click();
  await page.locator('[data-testid="download"][data-status="done"]').waitFor({ timeout: 60_000 });
  assert.equal(await row.getByTestId('download-percent').textContent(), '100 %');
  const hubModel = page.locator('[data-testid="installed-model"][data-id="someone/molmo2-tiny"]');
  await hubModel.getByTestId('active').waitFor();

  await goToSection(page, 'count');
  await page.getByTestId('active-model').getByText('someone/molmo2-tiny').waitFor();
  await goToSection(page, 'models');

  await page.getByTestId('folder-input').fill(tiny);
  await page.getByRole('button', { name: 'Add folder' }).click();
  const folderModel = page.getByTestId('installed-model').filter({ hasText: 'folder, used in place' });
  await folderModel.getByRole('button', { name: 'Use' }).click();
  await folderModel.getByTestId('active').waitFor();
  // Its precisions on this machine: the tiny checkpoint fits at every precision, so fp32 (the parity reference) is the default.
  const precision = folderModel.getByTestId('model-precision');
  await precision.waitFor();
  assert.equal(await precision.getAttribute('data-default'), 'fp32');
  assert.deepEqual(
    await precision
      .getByTestId('precision-option')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-precision')}:${e.getAttribute('data-fits')}`)),
    ['fp32:true', 'fp16:true', 'int8:true', 'int4:true'],
  );
  await page
    .getByTestId('catalogue-entry')
    .filter({ hasText: 'Molmo2-4B' })
    .getByText(/needs ≈ fp32 \d+\.\d GB, fp16 .*int4 \d+\.\d GB with a 128-frame video/)
    .waitFor();
  await hubModel.getByRole('button', { name: 'Delete' }).click();
  await hubModel.waitFor({ state: 'detached' });
  // A folder that is not a checkpoint: the error code and message are shown.
  await page.getByTestId('folder-input').fill(scratchDir('not-a-model'));
  await page.getByRole('button', { name: 'Add folder' }).click();
  await page.getByTestId('error').getByText('NOT_FOUND').waitFor();
  await shots.take(page, 'models');
  assert.deepEqual(problems, []);
  assert.deepEqual(failedResponses, ['404 /api/models.add']);
});
