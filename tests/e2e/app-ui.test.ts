// End to end in real Chromium: build the renderer, start the real `molmoscope serve`, open the printed URL, visit
// every section, save a screenshot of each under test-results/, and fail on any console error or page error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { SECTIONS, type SectionId } from '../../src-renderer/src/sections.js';
import { e2eApp, goToSection, screenshots } from '../helpers/e2e-harness.js';

/** A text each section shows once it has rendered. */
const SHOWS: Record<SectionId, string> = {
  library: 'Library file',
  search: 'Search your footage',
  count: 'Count what',
  track: 'Track what',
  models: 'Catalogue',
  finetune: 'Adapt Molmo2',
  settings: 'Acceleration',
};

// The harness always builds the renderer afresh: the test sees it as it is now, not a stale dist-renderer/.
const app = e2eApp({ viewport: { width: 1280, height: 800 } });

test('every section renders over the serve bridge without console or page errors', async (t) => {
  if (app.skipped(t)) return;
  // A reload aborts whatever the old page still had in flight (polls, app.info): only those aborts are expected.
  let reloading = false;
  const { page, problems } = await app.open({
    failedRequests: { except: (why) => reloading && why.includes('ERR_ABORTED') },
  });

  // The token leaves the address bar once taken.
  assert.doesNotMatch(page.url(), /token=/);

  const shots = screenshots('e2e');
  for (const s of SECTIONS) {
    await goToSection(page, s.id);
    await page.getByText(SHOWS[s.id], { exact: false }).first().waitFor({ timeout: 15_000 });
    if (s.id === 'settings') {
      // app.info came back through the bridge: the CPU provider is listed as available and ffmpeg is found.
      await page
        .locator('.providers li', { hasText: 'CPU' })
        .getByText('available', { exact: true })
        .waitFor({ timeout: 20_000 });
      await page.getByText('/ffmpeg', { exact: false }).first().waitFor();
    }
    await shots.take(page, s.id);
  }
  // A reload keeps working: the token is kept in sessionStorage.
  reloading = true;
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
  reloading = false;
  await page.locator('.providers li', { hasText: 'CPU' }).waitFor({ timeout: 20_000 });
  assert.deepEqual(problems, []);
  for (const s of SECTIONS) assert.ok(existsSync(shots.path(s.id)), s.id);
});
