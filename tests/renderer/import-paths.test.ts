// The Library page's import paths: the box takes one path per line; a drop gives the desktop host's paths of dropped
// files and folders, else file:// URIs, else absolute paths dragged as text — never relative or remote ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fileUriPath,
  MAX_IMPORT_PATHS,
  pathsFromDrop,
  pathsFromText,
} from '../../src-renderer/src/components/import-paths.js';

const drop = (files: File[], data: Record<string, string>) => ({ files, getData: (f: string) => data[f] ?? '' });

test('the import box takes one path per line, trimmed, without blanks or repeats, and keeps commas in names', () => {
  assert.deepEqual(pathsFromText('/media/a.mp4\r\n\n  /media/folder  \n/media/a.mp4\n/media/b, take 2.mp4'), [
    '/media/a.mp4',
    '/media/folder',
    '/media/b, take 2.mp4',
  ]);
  assert.deepEqual(pathsFromText(''), []);
  assert.equal(
    pathsFromText(Array.from({ length: MAX_IMPORT_PATHS + 50 }, (_, i) => `/m/${i}`).join('\n')).length,
    MAX_IMPORT_PATHS,
  );
});

test('file:// URIs become local paths; other schemes, remote hosts and malformed URIs give nothing', () => {
  assert.equal(fileUriPath('file:///media/My%20Clips/a%23b.mp4'), '/media/My Clips/a#b.mp4');
  assert.equal(fileUriPath('file://localhost/media/x.mp4'), '/media/x.mp4');
  assert.equal(fileUriPath('file:///C:/Videos/x.mp4'), 'C:/Videos/x.mp4');
  for (const bad of ['https://example.com/x.mp4', 'file://server/share/x.mp4', 'not a uri', '', 'file:///%E0%A4%A'])
    assert.equal(fileUriPath(bad), '', bad);
});

test('a drop prefers the host paths of its files, then file URIs, then absolute text paths', () => {
  const a = new File(['x'], 'a.mp4');
  const b = new File(['x'], 'folder');
  const host = new Map([
    [a, '/media/a.mp4'],
    [b, '/media/folder'],
  ]);
  const pathForFile = (f: File) => host.get(f) ?? '';
  assert.deepEqual(pathsFromDrop(drop([a, b], { 'text/uri-list': 'file:///ignored' }), pathForFile), [
    '/media/a.mp4',
    '/media/folder',
  ]);
  assert.deepEqual(
    pathsFromDrop(drop([a], {}), () => ''),
    [],
    'a file with no path (e.g. from another app) adds nothing',
  );
  assert.deepEqual(
    pathsFromDrop(drop([a], { 'text/uri-list': '# comment\r\nfile:///media/x.mp4\r\nhttps://e.com/y.mp4' })),
    ['/media/x.mp4'],
  );
  assert.deepEqual(
    pathsFromDrop(drop([], { 'text/plain': '/media/x.mp4\nrelative/y.mp4\nhttps://e.com/z\nC:\\Videos\\w.mp4' })),
    ['/media/x.mp4', 'C:\\Videos\\w.mp4'],
  );
  assert.deepEqual(pathsFromDrop(drop([], { 'text/plain': 'hello world' })), []);
});
