// End to end in real Chromium: build the renderer, start the real `molmoscope serve`, open the printed URL, visit
// every section, save a screenshot of each under test-results/, and fail on any console error or page error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { scratchDir } from '../helpers/tiny.js';
import { buildRendererForTest } from '../helpers/renderer-build.js';
import { findChromium } from '../helpers/chromium.js';

const SECTIONS = [
  { id: 'library', label: 'Library', expect: 'Library file' },
  { id: 'search', label: 'Search', expect: 'Search your footage' },
  { id: 'count', label: 'Count', expect: 'Count what' },
  { id: 'track', label: 'Track', expect: 'Track what' },
  { id: 'models', label: 'Models', expect: 'Catalogue' },
  { id: 'finetune', label: 'Fine-tune', expect: 'Adapt Molmo2' },
  { id: 'settings', label: 'Settings', expect: 'Acceleration' },
];

const executablePath = findChromium();
let srv: ServeProcess | undefined;
let context: BrowserContext | undefined;

before(async () => {
  if (!executablePath) return;
  // Always build: the test must see the renderer as it is now, not a stale dist-renderer/.
  srv = await startServeProcess(['--renderer', buildRendererForTest()]);
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
    viewport: { width: 1280, height: 800 },
  });
});

after(async () => {
  await context?.close();
  await srv?.stop();
});

test('every section renders over the serve bridge without console or page errors', async (t) => {
  if (!executablePath) {
    // CI installs chromium; failing there is right, skipping on a developer machine without it is not hiding anything.
    if (process.env.CI) assert.fail('chromium not found (CI must install it)');
    return t.skip('chromium not installed');
  }
  const page = await context!.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // A reload aborts whatever the old page still had in flight (polls, app.info): only those aborts are expected.
  let reloading = false;
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText ?? '';
    if (reloading && why.includes('ERR_ABORTED')) return;
    problems.push(`request failed: ${r.url()} ${why}`);
  });

  await page.goto(srv!.openUrl);
  // The token leaves the address bar once taken.
  await page.waitForFunction(() => !location.hash.includes('token='));
  assert.doesNotMatch(page.url(), /token=/);

  const outDir = resolve('test-results', 'e2e');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const s of SECTIONS) {
    await page.getByRole('link', { name: s.label, exact: true }).click();
    await page.waitForURL(new RegExp(`#/${s.id}$`));
    await page.getByRole('heading', { level: 1, name: s.label }).waitFor();
    await page.getByText(s.expect, { exact: false }).first().waitFor({ timeout: 15_000 });
    if (s.id === 'settings') {
      // app.info came back through the bridge: the CPU provider is listed as available and ffmpeg is found.
      await page
        .locator('.providers li', { hasText: 'CPU' })
        .getByText('available', { exact: true })
        .waitFor({ timeout: 20_000 });
      await page.getByText('/ffmpeg', { exact: false }).first().waitFor();
    }
    await page.screenshot({ path: join(outDir, `${s.id}.png`), fullPage: true });
  }
  // A reload keeps working: the token is kept in sessionStorage.
  reloading = true;
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
  reloading = false;
  await page.locator('.providers li', { hasText: 'CPU' }).waitFor({ timeout: 20_000 });
  assert.deepEqual(problems, []);
  for (const s of SECTIONS) assert.ok(existsSync(join(outDir, `${s.id}.png`)), s.id);
});
