// End to end in real Chromium over `molmoscope serve --model <tiny> --library <db>`: import the shared sample through
// the Library page, index it (progress to 100 %), search a word of a stored caption on the Search page, click the
// result, and the player's currentTime is the moment's start (±0.5 s). Screenshots go to test-results/e2e-library/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import type { MomentDto, WindowDto } from '../../src-main/api/ops/library.js';
import { scratchDir, tinyCheckpoint } from '../helpers/tiny.js';
import { sampleClip } from '../helpers/media-fixtures.js';
import { e2eApp, goToSection, screenshots } from '../helpers/e2e-harness.js';

const sample = sampleClip('concourse-crowd-720p.avi');
const dir = scratchDir('e2e-library');
const db = join(dir, 'library.db');
const app = e2eApp({
  needs: { 'the shared sample': sample },
  serve: () => ({
    args: ['--model', tinyCheckpoint({ seed: 3 }), '--ep', 'cpu', '--library', db],
    env: { MOLMOSCOPE_CACHE: join(dir, 'model-cache') },
  }),
  chromiumArgs: ['--autoplay-policy=no-user-gesture-required'],
});

test(
  'import and index a sample in the UI, search a stored word, the player seeks to the moment',
  { timeout: 420_000 },
  async (t) => {
    if (app.skipped(t) || !sample) return;
    const { page, problems } = await app.open();
    const shots = screenshots('e2e-library');

    await page.getByRole('heading', { level: 1, name: 'Library' }).waitFor();
    await page.getByTestId('open-library').getByText(db).waitFor({ timeout: 20_000 });

    await page.getByLabel('Paths to import').fill(dirname(sample));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-summary').getByText('1 added').waitFor({ timeout: 60_000 });
    await page.getByTestId('recordings').getByText('concourse-crowd-720p.avi').waitFor();

    // Short windows so the 13.6 s sample has five, and a moment can start after 0 s (seed 3's random weights answer
    // differently for different windows; seed 1's do not). The short tier bounds each answer to 64 tokens.
    await page.getByLabel('Caption tier').selectOption('short');
    await page.getByLabel('Window length').fill('4');
    await page.getByLabel('Window overlap').fill('1');
    await page.getByRole('button', { name: 'Index', exact: true }).click();
    await page.getByTestId('job-progress').waitFor();
    const seen = new Set<string>();
    const t0 = Date.now();
    for (;;) {
      const pct = (await page.getByTestId('job-percent').textContent()) ?? '';
      seen.add(pct);
      const status = await page.getByTestId('job-status').textContent();
      if (status === 'done' || status === 'failed' || status === 'paused' || status === 'cancelled') break;
      if (Date.now() - t0 > 300_000) assert.fail('indexing did not finish in the UI');
      await page.waitForTimeout(250);
    }
    assert.equal(await page.getByTestId('job-status').textContent(), 'done');
    assert.equal(await page.getByTestId('job-percent').textContent(), '100 %');
    assert.ok(seen.size >= 2, `progress was seen moving: ${[...seen].join(', ')}`);
    await page
      .getByTestId('recordings')
      .locator('tr[data-status="ready"] td')
      .nth(4)
      .getByText('5', { exact: true })
      .waitFor({ timeout: 10_000 });
    await shots.take(page, 'library-indexed');

    // A word of a stored caption whose best moment starts after 0 s (so the seek is visible), found over the bridge.
    const recs = await app.op<{ recordings: Array<{ id: number }> }>('library.recordings', {});
    const { windows } = await app.op<{ windows: WindowDto[] }>('library.windows', {
      recordingId: recs.recordings[0]!.id,
    });
    // The page's live text (engine.partial events, rebuilt as they came) of the last window written is its stored caption.
    const live = page.locator('[data-testid="partial-text"][data-final="true"]');
    const liveIndex = Number(await live.getAttribute('data-window'));
    assert.equal(await live.locator('q').textContent(), windows.find((w) => w.index === liveIndex)?.captions[0]?.text);
    const words = [
      ...new Set(
        windows.flatMap((w) =>
          w.captions.flatMap((c) =>
            (c.text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).filter((x) => /^[a-z]{4,}$/.test(x)),
          ),
        ),
      ),
    ].sort();
    assert.ok(words.length > 0, 'captions have searchable words');
    let word = words[0]!;
    let moment: MomentDto | null = null;
    for (const w of words) {
      const { results } = await app.op<{ results: MomentDto[] }>('library.search', { query: w, limit: 20 });
      if (!moment || (moment.start === 0 && results[0] && results[0].start > 0)) {
        word = w;
        moment = results[0] ?? null;
      }
      if (moment && moment.start > 0) break;
    }
    assert.ok(moment, `no moment for "${word}"`);
    assert.ok(moment.start > 0, `every word's best moment starts at 0 s (${words.length} words)`);

    await goToSection(page, 'search');
    await page.getByLabel('Search query').fill(word);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const first = page.getByTestId('result').first();
    await first.waitFor({ timeout: 20_000 });
    assert.equal(Number(await first.getAttribute('data-start')), moment.start);
    await first.click();
    await page.getByTestId('video-player').waitFor();
    await page.waitForFunction(
      (start) => {
        const v = document.querySelector('video');
        return !!v && v.readyState >= 1 && !v.seeking && Math.abs(v.currentTime - start) <= 0.5;
      },
      moment.start,
      { timeout: 60_000 },
    );
    const currentTime = await page.locator('video').evaluate((v: HTMLVideoElement) => v.currentTime);
    assert.ok(
      Math.abs(currentTime - moment.start) <= 0.5,
      `player at ${currentTime}, moment starts at ${moment.start}`,
    );
    await shots.take(page, 'search-result-playing');
    console.log(`searched "${word}": moment ${moment.start}–${moment.end} s, player at ${currentTime.toFixed(3)} s`);

    // The optional second stage: Molmo2 re-checks the top moments; the answer and its cost are shown.
    await page.getByLabel(/Re-check the top 5 moments/).check();
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByTestId('verify-cost').waitFor({ timeout: 60_000 });
    await page.getByTestId('evidence').first().waitFor();
    assert.match((await page.getByTestId('verify-cost').textContent()) ?? '', /re-checked 1: [\d.]+ s, \d+ tokens/);
    await shots.take(page, 'search-verified');

    assert.deepEqual(problems, []);
  },
);
