// A "case" bundle: one folder with the clip reference (or the clip), captions, tracks and a README, written atomically.
// Meant for handing a finding to someone else; every file is plain JSON/CSV/Markdown.
import { basename } from 'node:path';
import { AppError } from '../../../api/errors.js';
import type { TrackSet } from '../types.js';
import { writeDirAtomic, type BundleFile } from './atomic.js';
import { tracksToCsv } from './csv.js';
import { tracksToJson } from './documents.js';

export interface CaseBundleInput {
  title: string;
  /** The recording and time range the case is about. */
  clip: { path: string; start: number; end: number; sha256?: string };
  /** An already cut clip file to copy into the bundle (optional; otherwise only the reference is stored). */
  clipFile?: string;
  captions: { start: number; end: number; text: string }[];
  tracks: TrackSet;
  videoFps?: number;
  /** ISO time written into the README and clip.json (passed in so output is reproducible). */
  createdAt: string;
}

/** Writes the bundle directory atomically; returns the file names written. */
export function writeCaseBundle(dir: string, input: CaseBundleInput, opts: { overwrite?: boolean } = {}): string[] {
  if (!(input.clip.end >= input.clip.start)) throw new AppError('INVALID_INPUT', 'clip end is before its start');
  const clipName = input.clipFile ? `clip${/\.[A-Za-z0-9]+$/.exec(input.clipFile)?.[0] ?? ''}` : undefined;
  const clipJson = { ...input.clip, file: clipName ?? null, createdAt: input.createdAt };
  const readme = [
    `# ${input.title}`,
    '',
    `Created ${input.createdAt} by Molmoscope.`,
    '',
    `- Recording: \`${basename(input.clip.path)}\` (${input.clip.path}), ${input.clip.start.toFixed(1)}–${input.clip.end.toFixed(1)} s` +
      (clipName ? `; the clip itself is \`${clipName}\`.` : '; the clip is referenced, not included.'),
    `- \`clip.json\`: the recording path, time range (seconds) and, when known, its SHA-256.`,
    `- \`captions.json\`: ${input.captions.length} caption(s), [{start, end, text}] in seconds.`,
    `- \`tracks.json\`: ${input.tracks.tracks.length} track(s) of "${input.tracks.label}" (format molmoscope.tracks v1: pixel and 0–1000 coordinates per sampled time, with the stitch decisions).`,
    `- \`tracks.csv\`: the same points as CSV (track_id,label,t,x,y,mx,my,window,local_id).`,
    '',
  ].join('\n');
  const files: BundleFile[] = [
    { name: 'README.md', data: readme },
    { name: 'clip.json', data: JSON.stringify(clipJson, null, 2) + '\n' },
    { name: 'captions.json', data: JSON.stringify(input.captions, null, 2) + '\n' },
    { name: 'tracks.json', data: tracksToJson(input.tracks, input.videoFps ? { videoFps: input.videoFps } : {}) },
    { name: 'tracks.csv', data: tracksToCsv(input.tracks.tracks) },
  ];
  if (input.clipFile && clipName) files.push({ name: clipName, copyFrom: input.clipFile });
  writeDirAtomic(dir, files, opts);
  return files.map((f) => f.name);
}
