// Libraries the e2e tests seed before serve opens them: written straight through the core (real SQLite, real
// ffmpeg-generated clips), with runs from real Molmo2 answer strings, so the pages have something to show at once.
import { join } from 'node:path';
import { importPaths } from '../../src-main/core/library/import.js';
import { openLibrary, type Library } from '../../src-main/core/library/store.js';
import { makeClip } from '../core/library/clips.js';
import { seedRuns } from '../core/finetune/ft-seed.js';
import { testMediaSource } from './media-source.js';

type CountSettings = Parameters<typeof seedRuns>[1]['settings'];

/** A library seeded for the fine-tune pages. */
export interface FinetuneLibrary {
  /** The open library (more seeding goes here); the caller closes it before serve starts. */
  lib: Library;
  countRun: number;
  trackRun: number;
}

/**
 * Creates `db` with two generated clips under `<dir>/media` (recording 1: testsrc, 2: smptebars) and ft-seed's
 * finished runs: a count of "person" on recording 1 with these settings and a track of cars on recording 2.
 */
export async function seedFinetuneLibrary(dir: string, db: string, count: CountSettings): Promise<FinetuneLibrary> {
  const lib = openLibrary(db, { create: true });
  const clips = [
    makeClip(join(dir, 'media', 'a.mp4'), { pattern: 'testsrc' }),
    makeClip(join(dir, 'media', 'b.mp4'), { pattern: 'smptebars' }),
  ];
  await importPaths(lib, clips, { media: testMediaSource(), signal: new AbortController().signal });
  return { lib, ...seedRuns(lib, { query: 'person', settings: count }) };
}
