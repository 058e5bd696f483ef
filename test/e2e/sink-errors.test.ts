// A row a sink cannot take is a SINK error record, not a stopped job: a partition value too long for
// a folder name (300 bytes) fails alone, the other rows load, `weir run` exits 0 and `weir status`
// balances (sink in = out + dropped + errored, and the error store holds exactly the errored rows).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('a 300-byte partition value: one SINK error record, the other rows load, exit 0, status balances', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-sink-errors-'));
  dirs.push(dir);
  await writeFile(
    join(dir, 'weir.yaml'),
    `
warehouse: ./warehouse
sources:
  events: { files: { path: input.log } }
tables:
  t:
    source: events
    parser: { json: {} }
    schema: { seq: BIGINT NOT NULL, zone: STRING NOT NULL }
sinks:
  t: { table: t, hive: { database: e, format: parquet, partitioned_by: [zone] } }
`,
  );
  const zones = ['north', 'south', 'x'.repeat(300), 'east'];
  const lines = Array.from({ length: 1000 }, (_, i) =>
    JSON.stringify({ seq: i, zone: zones[i === 500 ? 2 : i % 2] }),
  );
  lines.push(JSON.stringify({ seq: 1000, zone: zones[3] }));
  await writeFile(join(dir, 'input.log'), `${lines.join('\n')}\n`);

  for (let run = 0; run < 2; run++) {
    const r = spawnSync(process.execPath, [CLI, 'run', dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  const status = spawnSync(process.execPath, [CLI, 'status', dir, '--json'], { encoding: 'utf8' });
  assert.equal(status.status, 0, status.stderr);
  const { counters } = JSON.parse(status.stdout);
  assert.deepEqual(counters.sinks.t, {
    recordsIn: 1001,
    recordsOut: 1000,
    recordsDropped: 0,
    recordsErrored: 1,
  });
  assert.deepEqual(
    [counters.tables.t.recordsIn, counters.tables.t.recordsOut, counters.tables.t.recordsErrored],
    [1001, 1001, 0],
  );

  const conn = await openWarehouse(join(dir, 'warehouse'));
  const rows = (
    await conn.runAndReadAll('SELECT zone, count(*) AS n FROM e.t GROUP BY zone ORDER BY zone')
  ).getRowObjectsJson();
  assert.deepEqual(
    rows.map((x) => [x.zone, Number(x.n)]),
    [
      ['east', 1],
      ['north', 499],
      ['south', 500],
    ],
  );
  const errors = (
    await conn.runAndReadAll(
      `SELECT code, "table", message, raw FROM read_json('${join(dir, 'warehouse', '_errors')}/*/*/part-*', hive_partitioning = true)`,
    )
  ).getRowObjectsJson();
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.code, 'SINK');
  assert.equal(errors[0]!.table, 't');
  assert.match(String(errors[0]!.message), /255/);
  assert.match(String(errors[0]!.raw), /"seq":500/);
  conn.closeSync();
});

test('a NUL in a partition value loads exactly and every weir sql query still works', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-nul-partition-'));
  dirs.push(dir);
  await writeFile(
    join(dir, 'weir.yaml'),
    `
warehouse: ./warehouse
sources:
  events: { files: { path: input.log } }
tables:
  t:
    source: events
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL, zone: STRING }
sinks:
  t: { table: t, hive: { database: e, format: parquet, partitioned_by: [zone] } }
`,
  );
  await writeFile(join(dir, 'input.log'), '{"id":1,"zone":"a"}\n{"id":2,"zone":"b\\u0000c\'d"}\n');
  const r = spawnSync(process.execPath, [CLI, 'run', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const q = spawnSync(process.execPath, [CLI, 'sql', dir, 'SELECT id, zone FROM e.t ORDER BY id', '--json'], {
    encoding: 'utf8',
  });
  assert.equal(q.status, 0, q.stderr);
  assert.deepEqual(
    q.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    [
      { id: 1, zone: 'a' },
      { id: 2, zone: "b\u0000c'd" },
    ],
  );
});

test('weir errors shows records whose raw text holds a broken escape of an emoji or a lone surrogate', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-errors-text-'));
  dirs.push(dir);
  await writeFile(
    join(dir, 'weir.yaml'),
    `
warehouse: ./warehouse
sources:
  events: { files: { path: input.log } }
tables:
  t: { source: events, parser: { json: {} }, schema: { msg: STRING } }
sinks:
  t: { table: t, hive: { database: e, format: json } }
`,
  );
  await writeFile(join(dir, 'input.log'), '{"msg":"ok"}\n{"msg":"\\😀"}\n{"msg":"\\ud800"}\nnot json\n');
  const r = spawnSync(process.execPath, [CLI, 'run', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const e = spawnSync(process.execPath, [CLI, 'errors', dir, '--json'], { encoding: 'utf8' });
  assert.equal(e.status, 0, e.stderr);
  assert.equal(e.stderr, '');
  const { records } = JSON.parse(e.stdout);
  assert.deepEqual(records.map((x: { code: string; raw: string }) => `${x.code} ${x.raw}`).sort(), [
    'CAST {"msg":"\\ud800"}',
    'PARSE_JSON not json',
    'PARSE_JSON {"msg":"\\😀"}',
  ]);
  assert.ok(records.some((x: { message: string }) => x.message.includes('bad escape \\😀')));
  // A lone surrogate is not a character: an error record, so the table stays readable.
  const q = spawnSync(process.execPath, [CLI, 'sql', dir, 'SELECT msg FROM e.t', '--json'], {
    encoding: 'utf8',
  });
  assert.equal(q.status, 0, q.stderr);
  assert.deepEqual(JSON.parse(q.stdout), { msg: 'ok' });
});
