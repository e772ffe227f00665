// library.open in a host answers before the library's full integrity check has run: the check runs on a worker
// thread with its own read-only connection, the event loop stays free meanwhile, reads answer, and writers wait for
// the verdict; a damaged library opens for reading but every writer answers LIBRARY_CORRUPT and the file is unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { createCoreContext } from '../../src-main/core/platform/create-context.js';
import { createDispatcher } from '../../src-main/core/handlers/index.js';
import { openLibrary } from '../../src-main/core/library/store.js';
import type { Logger } from '../../src-main/core/context.js';
import { damageIndexEntry } from '../helpers/sqlite-damage.js';
import { scratchDir } from '../helpers/tiny.js';
import { fileSha256 } from '../helpers/folder-snapshot.js';

const FOLDER = '/videos/aaaaaaaa';

/** A library with one recording and `windows` captioned windows (the FTS index grows with them), closed. */
function makeLibrary(path: string, windows: number): void {
  const lib = openLibrary(path, { create: true });
  const rec = Number(
    lib.db
      .prepare(
        `INSERT INTO recordings (path, folder, name, size_bytes, mtime_ms, status, duration_s, width, height, imported_at, updated_at)
    VALUES (?, ?, 'a.mp4', 1, 1, 'ready', ?, 64, 48, 'x', 'x')`,
      )
      .run(`${FOLDER}/a.mp4`, FOLDER, windows).lastInsertRowid,
  );
  const win = lib.db.prepare(
    "INSERT INTO windows (recording_id, idx, start_s, end_s, sample_times) VALUES (?, ?, ?, ?, '[0,0.5,1]')",
  );
  const cap = lib.db.prepare(
    "INSERT INTO captions (window_id, model_id, prompt_kind, text, tokens, created_at) VALUES (?, 'm', 'dense', ?, 5, 'x')",
  );
  lib.db.transaction(() => {
    for (let i = 0; i < windows; i++) {
      const w = Number(win.run(rec, i, i, i + 1).lastInsertRowid);
      cap.run(w, `window ${i}: a red bicycle ${i % 97} passes a bus ${i % 89} near crossing ${i % 83} at dusk`);
    }
  })();
  lib.db.pragma('wal_checkpoint(TRUNCATE)');
  lib.close();
}

function host(dir: string) {
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  const ctx = createCoreContext({
    host: 'serve',
    logger,
    env: { ...process.env, MOLMOSCOPE_CACHE: join(dir, 'cache') },
    emit: () => {},
  });
  return { ctx, d: createDispatcher(ctx), warnings };
}

test(
  'library.open answers before the full integrity check, which does not hold the event loop; writers wait for it',
  { timeout: 300_000 },
  async (t) => {
    const dir = scratchDir('open-check');
    const path = join(dir, 'lib.db');
    makeLibrary(path, 100_000);
    // What the check costs when it runs on the caller's thread (what library.open did before).
    const db = new Database(path, { readonly: true });
    const t0 = performance.now();
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    const checkMs = performance.now() - t0;
    db.close();
    assert.ok(checkMs > 100, `the library is large enough for its check to matter (${checkMs.toFixed(0)} ms)`);

    const { ctx, d } = host(dir);
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const o0 = performance.now();
    const opened = await d.dispatch('library.open', { path, create: false });
    const openMs = performance.now() - o0;
    assert.ok(opened.ok, JSON.stringify(opened));
    // A read answers while the check runs; a write (a count job queued) waits for the verdict, then goes ahead.
    const read = await d.dispatch('jobs.list', { limit: 5 });
    assert.ok(read.ok, JSON.stringify(read));
    const w0 = performance.now();
    const write = await d.dispatch('analytics.queue', {
      kind: 'count',
      query: 'bicycle',
      scope: { recordingId: 1, start: 0, end: 100 },
    });
    const writeMs = performance.now() - w0;
    await new Promise((r) => setTimeout(r, 50)); // the histogram records a stall at the next timer tick
    h.disable();
    assert.ok(write.ok, JSON.stringify(write));
    t.diagnostic(
      `check alone ${checkMs.toFixed(0)} ms; library.open ${openMs.toFixed(0)} ms; loop max stall ${(h.max / 1e6).toFixed(0)} ms; write answered after ${writeMs.toFixed(0)} ms`,
    );
    // Bounds relative to the check's own cost (the machine may be loaded): the open and the loop's longest stall are
    // well under it, and the write waited for it.
    assert.ok(
      openMs < checkMs / 2,
      `library.open took ${openMs.toFixed(0)} ms; the check alone takes ${checkMs.toFixed(0)} ms`,
    );
    const maxStall = h.max / 1e6;
    assert.ok(
      maxStall < Math.max(100, checkMs / 3),
      `the event loop stalled ${maxStall.toFixed(0)} ms during a ${checkMs.toFixed(0)} ms check`,
    );
    assert.ok(
      openMs + writeMs > checkMs / 3,
      `the write waited for the check (${(openMs + writeMs).toFixed(0)} ms vs ${checkMs.toFixed(0)} ms)`,
    );
    // Switching library while a writer waits for the check: the check stops with its library, the writer answers
    // LIBRARY_NOT_OPEN (not INTERNAL) and writes nothing.
    await d.dispatch('library.open', { path: join(dir, 'other.db'), create: true });
    assert.ok((await d.dispatch('library.open', { path, create: false })).ok);
    const waiting = d.dispatch('jobs.cancel', { id: 1 });
    await new Promise((r) => setTimeout(r, 20)); // the handler is waiting for the check now (it takes far longer)
    assert.ok((await d.dispatch('library.open', { path: join(dir, 'other.db'), create: false })).ok);
    const stopped = await waiting;
    assert.ok(!stopped.ok && stopped.error.code === 'LIBRARY_NOT_OPEN', JSON.stringify(stopped));
    currentClose(ctx);
  },
);

test(
  'a damaged library opens for reading; every writer answers LIBRARY_CORRUPT with the way out; nothing is written',
  { timeout: 120_000 },
  async () => {
    const dir = scratchDir('open-check-damaged');
    const path = join(dir, 'lib.db');
    makeLibrary(path, 20);
    damageIndexEntry(path, 'recordings_folder', FOLDER);
    const before = fileSha256(path);
    const { ctx, d, warnings } = host(dir);
    const opened = await d.dispatch('library.open', { path, create: false });
    assert.ok(opened.ok, JSON.stringify(opened));
    const rec = await d.dispatch('library.recordings', {});
    assert.ok(rec.ok, JSON.stringify(rec));
    const writers: Array<[string, unknown]> = [
      ['library.index', { windowLength: 2, overlap: 0 }],
      ['library.import', { paths: [dir] }],
      ['jobs.cancel', { id: 1 }],
      ['analytics.queue', { kind: 'count', query: 'bicycle', scope: { recordingId: 1 } }],
    ];
    for (const [op, req] of writers) {
      const r = await d.dispatch(op, req);
      assert.ok(!r.ok, `${op} was refused`);
      assert.equal(r.error.code, 'LIBRARY_CORRUPT', `${op}: ${r.error.message}`);
      assert.match(r.error.message, /molmoscope library repair --library/);
    }
    assert.ok(
      warnings.some((w) => /integrity check failed/.test(w)),
      warnings.join('\n'),
    );
    currentClose(ctx);
    assert.equal(fileSha256(path), before, 'nothing was written to the damaged library');
  },
);

function currentClose(ctx: ReturnType<typeof createCoreContext>): void {
  const lib = ctx.state.get('library') as { close(): void } | undefined;
  lib?.close();
}
