import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { listDir, writeFileAtomic } from './fs.ts';

test('writeFileAtomic creates, then replaces, a file and leaves no temp file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-fs-'));
  const path = join(dir, 'state.json');
  await writeFileAtomic(path, '{"v":1}');
  assert.equal(await readFile(path, 'utf8'), '{"v":1}');
  await writeFile(join(dir, 'other.txt'), 'x');
  await writeFileAtomic(path, new TextEncoder().encode('{"v":2}'));
  assert.equal(await readFile(path, 'utf8'), '{"v":2}');
  assert.deepEqual((await readdir(dir)).sort(), ['other.txt', 'state.json']);
});

test('writeFileAtomic fails plainly when the folder is missing and leaves nothing behind', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-fs-'));
  await assert.rejects(writeFileAtomic(join(dir, 'no', 'such', 'f.json'), 'x'), { code: 'ENOENT' });
  assert.deepEqual(await readdir(dir), []);
});

test('writeFileAtomic removes its temp file when the rename fails', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-fs-'));
  // A non-empty folder in the way makes the rename fail.
  await mkdir(join(dir, 'inner'));
  await writeFile(join(dir, 'inner', 'keep'), 'k');
  await assert.rejects(writeFileAtomic(join(dir, 'inner'), 'new'));
  assert.deepEqual(await readdir(dir), ['inner']);
  assert.equal(await readFile(join(dir, 'inner', 'keep'), 'utf8'), 'k');
});

test('listDir lists a folder, and a missing folder as empty', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-fs-'));
  await writeFile(join(dir, 'a'), '');
  assert.deepEqual(await listDir(dir), ['a']);
  assert.deepEqual(await listDir(join(dir, 'missing')), []);
  await assert.rejects(listDir(join(dir, 'a')), { code: 'ENOTDIR' });
});
