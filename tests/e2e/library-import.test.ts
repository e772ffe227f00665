// The Library page's import in real Chromium over `molmoscope serve --library <db>`: the box takes several paths, one
// per line; a drop of file:// URIs imports them; a drop with no local path says why. The desktop-only buttons (the
// open dialog) are absent in a browser. Screenshots go to test-results/e2e-import/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { scratchDir } from '../helpers/tiny.js';
import { sampleClip } from '../helpers/media-fixtures.js';
import { e2eApp, goToSection, screenshots } from '../helpers/e2e-harness.js';

const sample = sampleClip('concourse-crowd-720p.avi');
const dir = scratchDir('e2e-import');
const app = e2eApp({
  needs: { 'the shared sample': sample },
  serve: () => ({ args: ['--library', join(dir, 'library.db')] }),
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
    if (app.skipped(t) || !sample) return;
    const { page, problems } = await app.open({ consoleErrors: 'off' });
    const shots = screenshots('e2e-import');
    // First start with no model installed opens the Models page; the Library is one click away.
    await page.waitForURL(/#\/models$/);
    await goToSection(page, 'library');
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
    await shots.take(page, 'after-drop');

    await drop(page, { 'text/plain': 'just some words' });
    await page.getByText('A browser does not see the paths of dropped files').waitFor();
    assert.deepEqual(problems, []);
  },
);
