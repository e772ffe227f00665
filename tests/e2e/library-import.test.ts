// The Library page's import in real Chromium over `molmoscope serve --library <db>`: the box takes several paths, one
// per line; a drop of file:// URIs imports them; a drop with no local path says why. The desktop-only buttons (the
// open dialog) are absent in a browser. Screenshots go to test-results/e2e-import/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { scratchDir } from '../helpers/tiny.js';
import { buildRendererForTest } from '../helpers/renderer-build.js';
import { sampleClip } from '../helpers/media-fixtures.js';
import { findChromium } from '../helpers/chromium.js';

const executablePath = findChromium();
const sample = sampleClip('concourse-crowd-720p.avi');
let srv: ServeProcess | undefined;
let context: BrowserContext | undefined;
let dir = '';

before(async () => {
  if (!executablePath || !sample) return;
  dir = scratchDir('e2e-import');
  srv = await startServeProcess(['--renderer', buildRendererForTest(), '--library', join(dir, 'library.db')]);
  context = await chromium.launchPersistentContext(scratchDir('chromium-profile'), {
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
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
});

/** Drops `data` (format → string) on the Library page the way a drag from a file manager or a terminal arrives. */
async function drop(page: Page, data: Record<string, string>): Promise<void> {
  await page.getByTestId('page-library').evaluate((el, d) => {
    const dt = new DataTransfer();
    for (const [format, value] of Object.entries(d)) dt.setData(format, value);
    el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, data);
}

test(
  'import box takes one path per line; dropped file URIs are imported; a drop without paths says why',
  { timeout: 240_000 },
  async (t) => {
    if (!executablePath || !sample) {
      if (process.env.CI) assert.fail('chromium or the shared sample not found (CI must have both)');
      return t.skip('chromium or the shared sample not installed');
    }
    const page = await context!.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const outDir = resolve('test-results', 'e2e-import');
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    await page.goto(srv!.openUrl);
    // First start with no model installed opens the Models page; the Library is one click away.
    await page.waitForURL(/#\/models$/);
    await page.getByRole('link', { name: 'Library', exact: true }).click();
    await page.getByTestId('open-library').waitFor({ timeout: 20_000 });
    assert.equal(
      await page.getByRole('button', { name: /Choose (files|folders)/ }).count(),
      0,
      'the open dialog is desktop-only',
    );

    // Two lines: a folder holding the sample, and a path that does not exist (listed as rejected, not a crash).
    const box = page.getByLabel('Paths to import');
    await box.fill(`${dirname(sample)}\n${join(dir, 'no such clip.mp4')}`);
    assert.equal(await box.evaluate((el) => el.tagName), 'TEXTAREA');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const summary = page.getByTestId('import-summary');
    await summary.getByText(/1 added, 0 duplicates, 0 unchanged, 1 rejected/).waitFor({ timeout: 60_000 });
    await summary.getByText('no such clip.mp4').waitFor();

    // A copy dropped as a file:// URI (spaces and # escaped) is imported: same content, so a duplicate of the first.
    const copy = join(dir, 'dropped #1 copy.avi');
    copyFileSync(sample, copy);
    await drop(page, { 'text/uri-list': `# from a file manager\r\n${pathToFileURL(copy).href}` });
    await summary.getByText(/0 added, 1 duplicates/).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(outDir, 'after-drop.png'), fullPage: true });

    await drop(page, { 'text/plain': 'just some words' });
    await page.getByText('A browser does not see the paths of dropped files').waitFor();
    assert.deepEqual(problems, []);
  },
);
