// The install and packaging configuration as promised in the README: Electron's fuses set in electron-builder.yml (and
// known to the installed electron-builder's schema), one supported Node version that every dependency accepts, and
// better-sqlite3's build and the three outside downloads taken out of npm's hands (package.json#allowScripts) and run
// by our postinstall.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { checkNode, SUPPORTED_NODE } from '../../src-main/core/doctor.js';

const require = createRequire(import.meta.url);
// electron-builder's own YAML parser and npm's semver (both in the tree through electron-builder and npm's packages).
const yaml = require('js-yaml') as { load(text: string): unknown };
const semver = require('semver') as {
  minVersion(r: string): { version: string } | null;
  satisfies(v: string, r: string): boolean;
};

type BuilderConfig = {
  electronFuses?: Record<string, boolean>;
  npmRebuild?: boolean;
  asar?: boolean;
  files?: string[];
  asarUnpack?: string[];
};
const config = yaml.load(readFileSync('electron-builder.yml', 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  engines: { node: string; npm?: string };
  scripts: Record<string, string>;
  allowScripts: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<
    string,
    { version?: string; engines?: { node?: string } | string[]; hasInstallScript?: boolean; optional?: boolean }
  >;
};

test("electron-builder.yml flips the fuses of Electron's security checklist", () => {
  const fuses = config.electronFuses ?? {};
  assert.equal(fuses.runAsNode, false, 'RunAsNode must be off');
  assert.equal(fuses.enableCookieEncryption, true, 'cookie encryption must be on');
  assert.equal(fuses.enableEmbeddedAsarIntegrityValidation, true, 'asar integrity must be validated');
  assert.equal(fuses.onlyLoadAppFromAsar, true, 'the app must load only from its asar');
  assert.equal(fuses.enableNodeOptionsEnvironmentVariable, false);
  assert.equal(fuses.enableNodeCliInspectArguments, false);
  assert.equal(fuses.grantFileProtocolExtraPrivileges, false);
  assert.notEqual(config.asar, false, 'asar integrity and onlyLoadAppFromAsar need an asar');
});

test("every fuse name is one the installed electron-builder's schema knows", () => {
  const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as {
    definitions: Record<string, { properties?: Record<string, unknown> }>;
  };
  const fuseDef = Object.entries(schema.definitions).find(([name]) => /fuse/i.test(name))?.[1];
  assert.ok(fuseDef?.properties, 'no fuse options in the schema');
  for (const name of Object.keys(config.electronFuses ?? {}))
    assert.ok(name in fuseDef.properties, `unknown fuse ${name}`);
});

test('packaging ships the Electron build of better-sqlite3 unpacked and does not rebuild node_modules in place', () => {
  assert.equal(config.npmRebuild, false);
  assert.ok(config.files?.includes('native/electron/*.node'));
  assert.ok(config.asarUnpack?.includes('native/electron/*.node'));
  assert.match(pkg.scripts.dist ?? '', /rebuild-native\.mjs --require/);
});

test('one supported Node version: .nvmrc, engines and every dependency agree', () => {
  const nvmrc = readFileSync('.nvmrc', 'utf8').trim();
  const lowest = semver.minVersion(pkg.engines.node)?.version;
  assert.ok(lowest, `engines.node ${pkg.engines.node} has no lowest version`);
  assert.ok(
    semver.satisfies(lowest, `${nvmrc}.x`),
    `.nvmrc ${nvmrc} does not name the line of engines.node ${pkg.engines.node}`,
  );
  assert.match(readFileSync('.npmrc', 'utf8'), /^engine-strict=true$/m, 'engines are not enforced');
  assert.equal(
    `^${SUPPORTED_NODE.major}.${SUPPORTED_NODE.minor}.0`,
    pkg.engines.node,
    "doctor's supported Node differs from engines.node",
  );
  assert.equal(checkNode(process.versions.node).status, 'ok', 'this Node is the supported one');
  for (const v of ['20.18.1', '18.20.0', '22.12.0', '24.1.0']) assert.equal(checkNode(v, undefined).status, 'fail', v);
  assert.equal(checkNode('24.1.0', '41.7.1').status, 'ok', "inside Electron, Electron's own Node is the one");
  assert.equal(checkNode(lowest).status, 'ok');
  const refused: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
    if (path && range && !semver.satisfies(lowest, range)) refused.push(`${path}@${entry.version} wants node ${range}`);
  }
  assert.deepEqual(refused, [], 'dependencies that refuse the supported Node version');
});

test('install scripts: better-sqlite3 and the three downloads are denied to npm and run by our postinstall; none is unreviewed', () => {
  for (const name of ['better-sqlite3', 'electron', 'ffmpeg-static', 'onnxruntime-node'])
    assert.equal(pkg.allowScripts[name], false, name);
  assert.equal(pkg.scripts.postinstall, 'node scripts/postinstall.mjs');
  const unreviewed = Object.entries(lock.packages)
    .filter(([path, entry]) => path && entry.hasInstallScript)
    .map(([path]) => path.replace(/^.*node_modules\//, ''))
    .filter((name) => !(name in pkg.allowScripts));
  assert.deepEqual(unreviewed, [], 'packages with install scripts missing from package.json#allowScripts');
});
