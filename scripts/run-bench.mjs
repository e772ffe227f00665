#!/usr/bin/env node
// Benchmark runner: `npm run bench` lists the benchmarks; `npm run bench -- <name> [args]` runs one through tsx.
// Benchmarks print figures and ratios against a baseline measured in the same run (never assertions).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const benchDir = join(root, 'bench');
const scripts = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(ts|mjs)$/.test(name) && !/(gen|util|helpers?)\.ts$/.test(name)) scripts.push(relative(root, p));
  }
})(benchDir);
const [name, ...args] = process.argv.slice(2);
if (!name) {
  console.log('Benchmarks (npm run bench -- <name-substring> [args]):');
  for (const s of scripts.sort()) console.log('  ' + s);
  process.exit(0);
}
const match = scripts.filter((s) => s.includes(name));
if (match.length !== 1) {
  console.error(match.length ? `ambiguous: ${match.join(', ')}` : `no benchmark matches "${name}"`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', match[0], ...args], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
