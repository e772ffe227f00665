// The full integrity check of a library, run on a worker thread over its own read-only connection so opening a large
// library stays quick; writers wait for the verdict (Library.writable) and a damaged file is never written to.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { AppError } from '../../api/errors.js';

// Plain CommonJS so the worker needs no TypeScript loader; it only opens, checks and answers.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let problems;
try {
  const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 30000');
    problems = db.pragma('integrity_check(20)').map((r) => Object.values(r)[0]).filter((v) => v !== 'ok');
  } finally { db.close(); }
} catch (err) { problems = ['cannot check: ' + (err && err.message)]; }
parentPort.postMessage(problems);
`;

/** A running check: its verdict (problems; empty when intact) and a way to stop it (a library closed early). */
export interface IntegrityCheck {
  readonly result: Promise<string[]>;
  stop(): void;
}

/** Starts PRAGMA integrity_check of the file at `path` on a worker thread with its own read-only connection. */
export function startIntegrityCheck(path: string): IntegrityCheck {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver } });
  let stopped = false;
  const result = new Promise<string[]>((resolve, reject) => {
    w.once('message', (problems: string[]) => resolve(problems));
    w.once('error', reject);
    w.once('exit', (code) =>
      reject(
        stopped
          ? new AppError(
              'LIBRARY_NOT_OPEN',
              'The library was closed before its integrity check finished; nothing was written.',
            )
          : new Error(`integrity worker exited with ${code}`),
      ),
    );
  });
  result.catch(() => {}); // a library closed before anyone asked for the verdict
  return {
    result,
    stop: () => {
      stopped = true;
      void w.terminate();
    },
  };
}

/** The LIBRARY_CORRUPT error for a failed check, with the way out. */
export function corruptLibraryError(path: string, problems: string[]): AppError {
  return new AppError(
    'LIBRARY_CORRUPT',
    `The library ${path} failed its integrity check: ${problems.slice(0, 3).join('; ')}. ` +
      `Nothing was written to it. Run \`molmoscope library repair --library ${path}\`: it keeps a copy aside and rebuilds ` +
      `the indexes and the search index; if the damage is in stored data it says so and you restore a backup.`,
    { problems },
  );
}
