// The one harness of the end-to-end tests in real Chromium: builds the renderer, starts the real `molmoscope serve`,
// launches the system Chromium through playwright-core, opens the app with its problems recorded, and tears down.
//
// Use (one harness per test file, made at module level: it registers its own before/after hooks):
//
//   const app = e2eApp({
//     // Runs in before(): seed files here; `--renderer <fresh build>` is added to these arguments.
//     serve: async () => ({ args: ['--library', db], env: { MOLMOSCOPE_HOME: home } }),
//     viewport: { width: 1280, height: 1000 }, // optional, default 1280×900
//     needs: { 'the shared sample': sample }, // optional prerequisites besides Chromium (null/undefined = missing)
//   });
//   test('…', async (t) => {
//     if (app.skipped(t)) return; // no Chromium (or a need): skipped here, failed under CI
//     // Console and page errors are recorded by default; ProblemWatch adds HTTP errors and failed requests.
//     const { page, problems } = await app.open({ httpErrors: true });
//     await goToSection(page, 'count'); // clicks the nav link, waits for #/count and its heading
//     const shots = screenshots('e2e-mine'); // test-results/e2e-mine/, emptied
//     await shots.take(page, 'count-page');
//     const stored = await app.op<{ runs: unknown[] }>('finetune.runModels', {}); // an op over the bridge
//     assert.deepEqual(problems, []);
//   });
//
// A library seeded for the fine-tune pages (two generated clips, runs from real Molmo2 answers): seedLibrary in
// tests/core/finetune/ft-seed.ts (finetune.test.ts, finetune-missed.test.ts); video geometry: ./e2e-video.ts.
import { after, before, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { SECTIONS, type SectionId } from '../../src-renderer/src/sections.js';
import { findChromium } from './chromium.js';
import { buildRendererForTest } from './renderer-build.js';
import { startServeProcess, type ServeProcess } from './serve-process.js';
import { scratchDir } from './tiny.js';

/** Flags every e2e Chromium runs with: no sandbox (containers), no GPU, nothing reaching outside the machine. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** How `serve` is started: arguments after `serve --json --port 0 --renderer <build>`, and extra environment. */
export interface ServeLaunch {
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface E2eAppOptions {
  /** Runs in `before` once the prerequisites are there: seed what the test needs, then say how to start serve. */
  serve?: () => ServeLaunch | Promise<ServeLaunch>;
  /** The browser window; default 1280×900. */
  viewport?: { width: number; height: number };
  /** Chromium flags beyond CHROMIUM_ARGS (e.g. `--autoplay-policy=no-user-gesture-required`). */
  chromiumArgs?: string[];
  /** Prerequisites besides Chromium, by name (`{ 'the shared sample': sampleClip(…) }`); null/undefined = missing. */
  needs?: Record<string, unknown>;
  /** Runs in `after`, once the browser is closed and serve has stopped (e.g. close a loopback Hub). */
  teardown?: () => void | Promise<void>;
}

/** What a page records as problems; the test ends with `assert.deepEqual(problems, [])`. */
export interface ProblemWatch {
  /**
   * console.error lines: 'all' (default); 'except-failed-loads' drops Chromium's "Failed to load resource" line
   * (an HTTP error status, which names neither URL nor body: check `failedResponses` or `httpErrors` instead); 'off'.
   */
  consoleErrors?: 'all' | 'except-failed-loads' | 'off';
  /**
   * Record every response with status ≥ 400 as a problem, with its path and body, except a thumbnail whose ffmpeg
   * was killed by its timeout on an overloaded machine (PROBE_TIMEOUT: the page shows its placeholder). Default off.
   */
  httpErrors?: boolean;
  /** Record requests that got no response as problems, except those `except` expects; default off. */
  failedRequests?: boolean | { except: (errorText: string) => boolean };
}

/** A watched page: page errors always, the rest as ProblemWatch says; `failedResponses` lists `<status> <path>`. */
export interface WatchedPage {
  page: Page;
  problems: string[];
  failedResponses: string[];
}

export interface E2eApp {
  /** The running serve (throws before `before` ran or when the test is skipped). */
  readonly serve: ServeProcess;
  /** The Chromium browser context (throws before `before` ran or when the test is skipped). */
  readonly context: BrowserContext;
  /** True (and the test is skipped) when Chromium or a need is missing; under CI that fails the test instead. */
  skipped(t: TestContext): boolean;
  /** A new page, watched, opened at serve's URL, once the app has taken the token out of the address bar. */
  open(watch?: ProblemWatch): Promise<WatchedPage>;
  /** Calls an operation of the running serve as the page does; throws with the error code when it is refused. */
  op<T>(name: string, body: unknown): Promise<T>;
}

/** Registers before/after hooks that start serve and Chromium for this test file, and returns the handle on them. */
export function e2eApp(options: E2eAppOptions = {}): E2eApp {
  const executablePath = findChromium();
  const missing = [
    ...(executablePath ? [] : ['chromium']),
    ...Object.entries(options.needs ?? {})
      .filter(([, value]) => value === null || value === undefined)
      .map(([name]) => name),
  ];
  let srv: ServeProcess | undefined;
  let context: BrowserContext | undefined;
  before(async () => {
    if (missing.length > 0 || !executablePath) return;
    const launch = (await options.serve?.()) ?? {};
    srv = await startServeProcess(['--renderer', buildRendererForTest(), ...(launch.args ?? [])], launch.env);
    context = await chromium.launchPersistentContext(scratchDir('chromium-profile'), {
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(options.chromiumArgs ?? [])],
      viewport: options.viewport ?? { width: 1280, height: 900 },
    });
  });
  after(async () => {
    // Each step runs even when the one before threw: no serve or Hub outlives the file.
    try {
      await context?.close();
    } finally {
      try {
        await srv?.stop();
      } finally {
        await options.teardown?.();
      }
    }
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started (prerequisites missing, or before() failed)`);
    return value;
  };
  return {
    get serve() {
      return started(srv, 'serve');
    },
    get context() {
      return started(context, 'Chromium');
    },
    skipped(t) {
      if (missing.length === 0) return false;
      // CI installs everything: failing there is right; skipping on a developer machine without it hides nothing.
      if (process.env.CI) assert.fail(`${missing.join(' and ')} not found (CI must have it)`);
      t.skip(`${missing.join(' and ')} not installed`);
      return true;
    },
    async open(watch) {
      const watched = watchPage(await started(context, 'Chromium').newPage(), watch);
      await watched.page.goto(started(srv, 'serve').openUrl);
      await watched.page.waitForFunction(() => !location.hash.includes('token='));
      return watched;
    },
    op: (name, body) => serveOp(started(srv, 'serve'), name, body),
  };
}

/** Starts recording a page's problems (for a second page; `open` does this for the first). */
export function watchPage(page: Page, watch: ProblemWatch = {}): WatchedPage {
  const problems: string[] = [];
  const failedResponses: string[] = [];
  const consoleErrors = watch.consoleErrors ?? 'all';
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (consoleErrors === 'off' || m.type() !== 'error') return;
    if (consoleErrors === 'except-failed-loads' && m.text().startsWith('Failed to load resource')) return;
    problems.push(`console.error: ${m.text()}`);
  });
  page.on('response', async (r) => {
    if (r.status() < 400) return;
    const path = new URL(r.url()).pathname;
    failedResponses.push(`${r.status()} ${path}`);
    if (!watch.httpErrors) return;
    const body = await r.text().catch(() => '');
    if (path.startsWith('/media/thumb/') && body.includes('PROBE_TIMEOUT')) return;
    problems.push(`HTTP ${r.status()} ${path}: ${body.slice(0, 300)}`);
  });
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText ?? '';
    if (!watch.failedRequests) return;
    if (typeof watch.failedRequests === 'object' && watch.failedRequests.except(why)) return;
    problems.push(`request failed: ${r.url()} ${why}`);
  });
  return { page, problems, failedResponses };
}

/** Calls operation `name` of a running serve over its HTTP bridge; throws with the error code when refused. */
export async function serveOp<T>(srv: ServeProcess, name: string, body: unknown): Promise<T> {
  const res = await fetch(`${srv.url}/api/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const env = (await res.json()) as { ok: boolean; value?: T; error?: { code: string; message: string } };
  if (!env.ok) throw new Error(`${name}: ${env.error?.code} ${env.error?.message}`);
  return env.value as T;
}

/** The label a section's navigation entry and heading show (from the renderer's own list). */
export function sectionLabel(id: SectionId): string {
  const section = SECTIONS.find((s) => s.id === id);
  if (!section) throw new Error(`no section ${id}`);
  return section.label;
}

/** Clicks a section's navigation entry and waits for its route (#/<id>) and its level-1 heading. */
export async function goToSection(page: Page, id: SectionId): Promise<void> {
  await page.getByRole('link', { name: sectionLabel(id), exact: true }).click();
  await page.waitForURL(new RegExp(`#/${id}$`));
  await page.getByRole('heading', { level: 1, name: sectionLabel(id) }).waitFor();
}

/** A folder of screenshots under test-results/. */
export interface Screenshots {
  dir: string;
  /** Path of screenshot `name` (.png). */
  path(name: string): string;
  /** Saves a full-page screenshot as `name`.png. */
  take(page: Page, name: string): Promise<void>;
}

/** test-results/<folder>/, emptied first unless `keep` (a folder another test file also writes to). */
export function screenshots(folder: string, { keep = false }: { keep?: boolean } = {}): Screenshots {
  const dir = resolve('test-results', folder);
  if (!keep) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const path = (name: string) => join(dir, `${name}.png`);
  return {
    dir,
    path,
    take: async (page, name) => {
      await page.screenshot({ path: path(name), fullPage: true });
    },
  };
}
