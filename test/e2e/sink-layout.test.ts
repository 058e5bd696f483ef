// A sink's files follow what its Hive DDL says: the column order of `columns:` (text files are
// positional) and a relative `location:` under the project folder, whatever the working directory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

test('text files have the DDL column order, and a relative location is inside the project', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-layout-'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(
    join(dir, 'data', 'in.log'),
    '{"id":1,"name":"a","day":"d1"}\n{"id":2,"name":"b","day":"d1"}\n',
  );
  writeFileSync(
    join(dir, 'weir.yaml'),
    `sources:
  s: { files: { path: "data/*.log" } }
tables:
  t:
    source: s
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL, name: STRING, day: STRING NOT NULL }
sinks:
  t:
    table: t
    columns: [name, id, day]
    hive: { database: db, format: text, partitioned_by: [day], location: ./custom/t }
`,
  );
  const elsewhere = mkdtempSync(join(tmpdir(), 'weir-cwd-'));
  const r = spawnSync(process.execPath, [CLI, 'run', dir], { cwd: elsewhere, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(elsewhere), [], 'nothing written relative to the working directory');
  const partition = join(dir, 'custom', 't', 'day=d1');
  const files = readdirSync(partition).filter((f) => f.startsWith('part-'));
  assert.equal(files.length, 1);
  const lines = readFileSync(join(partition, files[0]), 'utf8').trim().split('\n');
  assert.deepEqual(lines, ['a\u00011', 'b\u00012']);

  const ddl = spawnSync(process.execPath, [CLI, 'ddl', dir, '--dialect', 'hive'], { encoding: 'utf8' });
  assert.equal(ddl.status, 0, ddl.stderr);
  assert.ok(ddl.stdout.indexOf('`name`') < ddl.stdout.indexOf('`id`'), ddl.stdout);
  assert.ok(ddl.stdout.includes(`LOCATION '${join(dir, 'custom', 't')}'`), ddl.stdout);
});
