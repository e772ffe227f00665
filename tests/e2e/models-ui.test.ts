// End to end in real Chromium: the Models page against the real `molmoscope serve` and a loopback Hub. A page that
// needs a model says how to get one; a download shows progress, pauses, resumes and finishes; the model becomes
// active and is named on the Count page; a folder is added and chosen (with its precisions on this machine); the
// download is deleted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { scratchDir, tinyCheckpoint } from '../helpers/tiny.js';
import { buildRendererForTest } from '../helpers/renderer-build.js';
import { findChromium } from '../helpers/chromium.js';
import { startHubServer, type HubServer } from '../helpers/hub-server.js';

const executablePath = findChromium();
const tiny = tinyCheckpoint({ shards: 2 });
let srv: ServeProcess | undefined;
let hub: HubServer | undefined;
let context: BrowserContext | undefined;

before(async () => {
  if (!executablePath) return;
  hub = await startHubServer({ 'someone/Molmo2-tiny': { dir: tiny } }, { bytesPerSecond: 4_000_000 });
  srv = await startServeProcess(['--renderer', buildRendererForTest()], { HF_ENDPOINT: hub.url, MOLMOSCOPE_MODEL: '' });
  context = await chromium.launchPersistentContext(scratchDir('chromium-profile'), {
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
});

after(async () => {
  await context?.close();
  await srv?.stop();
  await hub?.close();
});

test('Models page: download with progress, pause, resume, choose, add a folder, delete', async (t) => {
  if (!executablePath) {
    if (process.env.CI) assert.fail('chromium not found (CI must install it)');
    return t.skip('chromium not installed');
  }
  const page = await context!.newPage();
  const problems: string[] = [];
  // A refused op answers an HTTP error status, which Chromium logs; which requests failed is checked below instead.
  page.on(
    'console',
    (m) =>
      m.type() === 'error' &&
      !m.text().startsWith('Failed to load resource') &&
      problems.push(`console.error: ${m.text()}`),
  );
  const failed: string[] = [];
  page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${new URL(r.url()).pathname}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  const outDir = resolve('test-results', 'e2e');
  mkdirSync(outDir, { recursive: true });
  await page.goto(srv!.openUrl);
  // No model installed or given: the first page is Models.
  await page.waitForURL(/#\/models$/);
  await page.getByTestId('no-models').waitFor();
  await page.getByRole('link', { name: 'Count', exact: true }).click();
  await page.getByTestId('no-model').getByText('molmoscope model download molmo2-4b').waitFor();

  await page.getByRole('link', { name: 'Models', exact: true }).click();
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
  await page.screenshot({ path: join(outDir, 'models-downloading.png'), fullPage: true });
  await row.getByRole('button', { name: 'Pause' }).click();
  await page.locator('[data-testid="download"][data-status="paused"]').waitFor();
  hub!.faults.bytesPerSecond = undefined;
  await row.getByRole('button', { name: 'Resume' }).click();
  await page.locator('[data-testid="download"][data-status="done"]').waitFor({ timeout: 60_000 });
  assert.equal(await row.getByTestId('download-percent').textContent(), '100 %');
  const hubModel = page.locator('[data-testid="installed-model"][data-id="someone/molmo2-tiny"]');
  await hubModel.getByTestId('active').waitFor();

  await page.getByRole('link', { name: 'Count', exact: true }).click();
  await page.getByTestId('active-model').getByText('someone/molmo2-tiny').waitFor();
  await page.getByRole('link', { name: 'Models', exact: true }).click();

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
  await page.screenshot({ path: join(outDir, 'models.png'), fullPage: true });
  assert.deepEqual(problems, []);
  assert.deepEqual(failed, ['404 /api/models.add']);
});
