import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import type { StageError } from '../../core/errors.ts';
import type { Row } from '../../core/record.ts';
import type { Column } from '../../core/types.ts';
import { createTableLoader } from './loader.ts';
import { escapePartitionValue, partitionDir, tableLocation, unescapePartitionValue } from './paths.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('escapePartitionValue follows Hive FileUtils.escapePathName', () => {
  assert.equal(escapePartitionValue('2026-11-25'), '2026-11-25');
  assert.equal(escapePartitionValue('a/b'), 'a%2Fb');
  assert.equal(escapePartitionValue('100%'), '100%25');
  assert.equal(escapePartitionValue('k=v:w'), 'k%3Dv%3Aw');
  assert.equal(escapePartitionValue('x\u0001y\u007f'), 'x%01y%7F');
  assert.equal(escapePartitionValue(`"#'*?\\{[]^`), '%22%23%27%2A%3F%5C%7B%5B%5D%5E');
  assert.equal(escapePartitionValue('..'), '..');
  assert.equal(escapePartitionValue('héllo 世界 + ~'), 'héllo 世界 + ~');
  assert.equal(escapePartitionValue(''), '__HIVE_DEFAULT_PARTITION__');
  assert.equal(escapePartitionValue('\u0000'), '%00');
  for (const v of ['a/b', '%', '..', 'x=y', 'é/\u0001'])
    assert.equal(unescapePartitionValue(escapePartitionValue(v)), v);
});

test('partitionDir joins escaped key=value segments', () => {
  assert.equal(partitionDir(['dt', 'server'], ['2026-11-25', '7']), 'dt=2026-11-25/server=7');
  assert.equal(partitionDir(['dt'], [null]), 'dt=__HIVE_DEFAULT_PARTITION__');
  assert.equal(partitionDir(['p'], ['../../x']), 'p=..%2F..%2Fx');
  assert.throws(() => partitionDir(['p'], ['x'.repeat(300)]), /too long for a directory name/);
  assert.throws(() => partitionDir(['a', 'b'], ['1']), /2 keys but 1 values/);
});

test('tableLocation accepts identifiers only', () => {
  assert.equal(tableLocation('/wh', 'game', 'login_log'), '/wh/game.db/login_log');
  for (const [db, table] of [
    ['..', 't'],
    ['g', '../x'],
    ['g', 'a/b'],
    ['g', '..'],
    ['g', ''],
    ['g/..', 't'],
    ['g', 't\u0000'],
    ['1db', 't'],
  ]) {
    assert.throws(() => tableLocation('/wh', db!, table!), /is not allowed: use letters, digits and _/);
  }
});

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => join(dir, p))
    .filter((p) => statSync(p).isFile());
}

test('hostile partition values never write outside the table location', async () => {
  const root = mkdtempSync(join(tmpdir(), 'weir-paths-'));
  dirs.push(root);
  const location = tableLocation(join(root, 'wh'), 'game', 't');
  const columns: Column[] = [
    { name: 'p', type: { kind: 'STRING', nullable: true }, onError: 'error' },
    { name: 'v', type: { kind: 'INT', nullable: true }, onError: 'error' },
  ];
  const rejected: [Row, StageError][] = [];
  const loader = createTableLoader({
    location,
    columns,
    partitionedBy: ['p'],
    format: 'json',
    compression: 'none',
    rolling: { max_bytes: 1 << 20, max_rows: 1000, max_seconds: 3600 },
    filePrefix: 'part-0-',
    onRowError: (row, e) => rejected.push([row, e]),
  });
  const hostile = [
    '../../x',
    'a/b',
    '..',
    '.',
    '%',
    '\u0000',
    '/etc/passwd',
    '..\\..\\y',
    'x'.repeat(400),
    '',
    null,
  ];
  await loader.write(hostile.map((p, v) => ({ p, v })));
  const files = await loader.prepareCommit();
  assert.equal(rejected.length, 1, 'only the over-long value is rejected');
  assert.equal(rejected[0]![1].code, 'SINK');
  assert.match(rejected[0]![1].message, /too long/);
  assert.equal(files.length, 9, 'one file per distinct partition ("" and null share the default partition)');
  for (const f of allFiles(root)) {
    assert.ok(!relative(location, f).startsWith('..'), `${f} is inside ${location}`);
  }
  assert.deepEqual(readdirSync(root), ['wh']);
  const partitions = readdirSync(location).sort();
  assert.ok(partitions.includes('p=..%2F..%2Fx'));
  assert.ok(partitions.includes('p=%00'));
  assert.ok(partitions.includes('p=..'));
  assert.ok(partitions.includes('p=.'));
});
