// bench/search: builds a library with N synthetic dense captions (default 1,000,000) through the real schema
// and triggers, then times 50 queries through search() against the bare FTS5 query in the same run.
// Usage: node --import tsx bench/search/run.ts [--rows N] [--db PATH] [--reuse] [--json]
import { existsSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openLibrary } from '../../src-main/core/library/store.js';
import { DEFAULT_RANK_CAP, search } from '../../src-main/core/library/search.js';
import { toFtsQuery } from '../../src-main/core/library/fts-query.js';
import { benchQueries, denseCaption, rng } from './caption-gen.js';
import { at } from '../../src-main/api/at.js';

const { values } = parseArgs({
  options: { rows: { type: 'string' }, db: { type: 'string' }, reuse: { type: 'boolean' }, json: { type: 'boolean' } },
});
const ROWS = Number(values.rows ?? 1_000_000);
const WINDOWS_PER_RECORDING = 500; // ~70 min of footage per recording at 10 s windows / 8 s step
const BATCH = 10_000;
const dbPath = resolve(values.db ?? join('tests/.tmp', `bench-search-${ROWS}.db`));
const fileSize = (p: string) => (existsSync(p) ? statSync(p).size : 0);

if (!values.reuse) for (const s of ['', '-wal', '-shm']) rmSync(dbPath + s, { force: true });
const fresh = !existsSync(dbPath);
const lib = openLibrary(dbPath, { create: true, integrity: 'none' });
const db = lib.db;
// A bulk load wants a big page cache (the app's default is 32 MiB) and fewer WAL checkpoints.
db.pragma('cache_size = -262144');
db.pragma('wal_autocheckpoint = 20000');
let insert: { seconds: number; rowsPerSecond: number; optimizeSeconds: number } | null = null;

if (fresh || (db.prepare('SELECT count(*) FROM captions').pluck().get() as number) < ROWS) {
  const r = rng(12345);
  const recs = Math.ceil(ROWS / WINDOWS_PER_RECORDING);
  const insRec =
    db.prepare(`INSERT INTO recordings (path, folder, name, size_bytes, mtime_ms, content_hash, status, duration_s, width, height,
    recorded_at, imported_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, 'ready', ?, 1920, 1080, ?, 't', 't')`);
  const insWin = db.prepare(
    'INSERT INTO windows (recording_id, idx, start_s, end_s, sample_times) VALUES (?, ?, ?, ?, ?)',
  );
  const insCap = db.prepare(
    "INSERT INTO captions (window_id, model_id, prompt_kind, text, tokens, timings_json, created_at) VALUES (?, 'allenai/Molmo2-4B', 'dense', ?, ?, NULL, '2026-01-01')",
  );
  const t0 = performance.now();
  db.transaction(() => {
    for (let i = 0; i < recs; i++) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      insRec.run(
        `/footage/site${i % 20}/cam${i}.mp4`,
        `/footage/site${i % 20}`,
        `cam${i}.mp4`,
        1e9,
        `p1:${i}`,
        WINDOWS_PER_RECORDING * 8 + 2,
        `2026-02-${day}T08:00:00Z`,
      );
    }
  })();
  let written = 0;
  const batch = db.transaction((from: number, to: number) => {
    for (let k = from; k < to; k++) {
      const rec = 1 + Math.floor(k / WINDOWS_PER_RECORDING);
      const idx = k % WINDOWS_PER_RECORDING;
      const start = idx * 8;
      const wid = insWin.run(rec, idx, start, start + 10, '[]').lastInsertRowid;
      const text = denseCaption(r, start, start + 10);
      insCap.run(wid, text, Math.round(text.length / 4.2));
    }
  });
  while (written < ROWS) {
    const to = Math.min(ROWS, written + BATCH);
    batch(written, to);
    written = to;
    if (written % 100_000 === 0)
      process.stderr.write(`  ${written} rows, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const secs = (performance.now() - t0) / 1000;
  insert = { seconds: secs, rowsPerSecond: ROWS / secs, optimizeSeconds: 0 };
  // Merge FTS5 segments as a maintenance step would after a big indexing run; timed separately.
  const tOpt = performance.now();
  db.exec("INSERT INTO captions_terms (captions_terms) VALUES ('optimize')");
  insert.optimizeSeconds = (performance.now() - tOpt) / 1000;
  db.pragma('wal_checkpoint(TRUNCATE)');
}

const count = db.prepare('SELECT count(*) FROM captions').pluck().get() as number;
const avgChars = db
  .prepare('SELECT avg(length(text)) FROM (SELECT text FROM captions LIMIT 20000)')
  .pluck()
  .get() as number;
let ftsBytes: number | null = null;
let statsBytes: number | null = null;
try {
  ftsBytes = db.prepare("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'captions_terms%'").pluck().get() as number;
  statsBytes = db.prepare("SELECT sum(pgsize) FROM dbstat WHERE name = 'caption_stats'").pluck().get() as number;
} catch {
  ftsBytes = null; // dbstat not compiled in
}

// Baselines: FTS5 alone on the same index (captions_terms, the query compiled as search() compiles it), ranked by
// its built-in bm25().
const bare = db.prepare('SELECT rowid, rank FROM captions_terms WHERE captions_terms MATCH ? ORDER BY rank LIMIT ?');
// The same candidate cap as search() (newest DEFAULT_RANK_CAP matches), bare: no joins, snippets, filters or merging.
const maxId = db.prepare('SELECT max(id) FROM captions').pluck().get() as number;
const capProbe = db
  .prepare(
    'SELECT rowid FROM captions_terms WHERE captions_terms MATCH ? AND rowid BETWEEN 1 AND ? ORDER BY rowid DESC LIMIT ?',
  )
  .pluck();
const bareCappedQ = db.prepare(
  'SELECT rowid, bm25(captions_terms) AS b FROM captions_terms WHERE captions_terms MATCH ? AND rowid BETWEEN ? AND ? ORDER BY b LIMIT ?',
);
const bareCapped = (m: string, k: number) => {
  const ids = capProbe.all(m, maxId, DEFAULT_RANK_CAP) as number[];
  return bareCappedQ.all(m, ids.length === DEFAULT_RANK_CAP ? ids[ids.length - 1] : 1, maxId, k);
};
const queries = benchQueries(rng(777));
const LIMIT = 20;
const filterOf = (f?: string) =>
  f === 'recording'
    ? { recordingIds: [7, 42, 1000] }
    : f === 'folder'
      ? { folder: '/footage/site3' }
      : f === 'duration'
        ? { minDuration: 3000 }
        : {};
const time = (fn: () => unknown) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};
// Warm the page cache once for both paths, then time alternately so drift affects both equally.
for (const { q, filter } of queries) {
  bare.all(toFtsQuery(q).match, LIMIT * 4);
  bareCapped(toFtsQuery(q).match, LIMIT * 4);
  search(lib, q, { limit: LIMIT, ...filterOf(filter) });
}
const ours: number[] = [];
const base: number[] = [];
const baseCapped: number[] = [];
const hitsPer: number[] = [];
for (const { q, filter } of queries) {
  base.push(time(() => bare.all(toFtsQuery(q).match, LIMIT * 4)));
  baseCapped.push(time(() => bareCapped(toFtsQuery(q).match, LIMIT * 4)));
  let n = 0;
  ours.push(
    time(() => {
      n = search(lib, q, { limit: LIMIT, ...filterOf(filter) }).length;
    }),
  );
  hitsPer.push(n);
}
const pct = (a: number[], p: number) => {
  const s = [...a].sort((x, y) => x - y);
  return at(s, Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1), 'timing');
};
const slow = queries
  .map((q, i) => ({
    q: q.q + (q.filter ? ` [${q.filter}]` : ''),
    ms: +at(ours, i).toFixed(2),
    bareMs: +at(base, i).toFixed(2),
    cappedMs: +at(baseCapped, i).toFixed(2),
  }))
  .sort((a, b) => b.ms - a.ms)
  .slice(0, 5);

lib.close();
const integrity: Record<string, number> = {};
for (const mode of ['quick', 'full'] as const) {
  const t = performance.now();
  openLibrary(dbPath, { create: false, integrity: mode }).close();
  integrity[`${mode}Seconds`] = +((performance.now() - t) / 1000).toFixed(2);
}

const size = fileSize(dbPath) + fileSize(dbPath + '-wal');
const figures = {
  rows: count,
  avgCaptionChars: Math.round(avgChars),
  insert: insert && {
    seconds: +insert.seconds.toFixed(1),
    rowsPerSecond: Math.round(insert.rowsPerSecond),
    optimizeSeconds: +insert.optimizeSeconds.toFixed(1),
  },
  dbBytesPerCaption: Math.round(size / count),
  ftsIndexBytesPerCaption: ftsBytes === null ? null : Math.round(ftsBytes / count),
  statsBytesPerCaption: statsBytes === null ? null : Math.round(statsBytes / count),
  dbBytes: size,
  queries: queries.length,
  limit: LIMIT,
  searchMs: { p50: +pct(ours, 50).toFixed(2), p95: +pct(ours, 95).toFixed(2), max: +Math.max(...ours).toFixed(2) },
  bareFts5Ms: { p50: +pct(base, 50).toFixed(2), p95: +pct(base, 95).toFixed(2), max: +Math.max(...base).toFixed(2) },
  bareCappedMs: {
    p50: +pct(baseCapped, 50).toFixed(2),
    p95: +pct(baseCapped, 95).toFixed(2),
    max: +Math.max(...baseCapped).toFixed(2),
  },
  ratio: { p50: +(pct(ours, 50) / pct(base, 50)).toFixed(2), p95: +(pct(ours, 95) / pct(base, 95)).toFixed(2) },
  ratioToCapped: {
    p50: +(pct(ours, 50) / pct(baseCapped, 50)).toFixed(2),
    p95: +(pct(ours, 95) / pct(baseCapped, 95)).toFixed(2),
  },
  rankCap: DEFAULT_RANK_CAP,
  targets: { p95Ms: 50, ratio: 1.5 },
  openCheck: integrity,
  slowest: slow,
  emptyResults: hitsPer.filter((n) => n === 0).length,
};
if (values.json) console.log(JSON.stringify(figures, null, 2));
else {
  console.log(`bench/search — ${count.toLocaleString()} captions (avg ${figures.avgCaptionChars} chars), db ${dbPath}`);
  if (figures.insert)
    console.log(
      `insert: ${figures.insert.seconds} s (${figures.insert.rowsPerSecond.toLocaleString()} captions/s, 10k per transaction, FTS via trigger); optimize ${figures.insert.optimizeSeconds} s`,
    );
  console.log(
    `size: ${figures.dbBytesPerCaption} B/caption in total, FTS5 index ${figures.ftsIndexBytesPerCaption ?? '?'} B/caption, BM25 statistics ${figures.statsBytesPerCaption ?? '?'} B/caption`,
  );
  console.log(
    `search() p50 ${figures.searchMs.p50} ms, p95 ${figures.searchMs.p95} ms   |   bare FTS5 p50 ${figures.bareFts5Ms.p50} ms, p95 ${figures.bareFts5Ms.p95} ms`,
  );
  console.log(
    `bare FTS5 with the same rank cap (newest ${DEFAULT_RANK_CAP} matches): p50 ${figures.bareCappedMs.p50} ms, p95 ${figures.bareCappedMs.p95} ms`,
  );
  console.log(
    `ratio search()/bare full-rank: p50 ${figures.ratio.p50}×, p95 ${figures.ratio.p95}×; search()/bare capped: p50 ${figures.ratioToCapped.p50}×, p95 ${figures.ratioToCapped.p95}×   (targets: p95 ≤ 50 ms, ratio ≤ 1.5)`,
  );
  console.log(
    `open check on this file: quick_check ${integrity.quickSeconds} s, integrity_check ${integrity.fullSeconds} s`,
  );
  console.log('slowest:', JSON.stringify(slow));
}
