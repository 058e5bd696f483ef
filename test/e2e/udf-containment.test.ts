// Containment of Python UDFs in a real run: one record that hangs in a batch of 10,000 fails alone
// (9,999 rows load), a hostile UDF that tries the host gets error records, and a table next to
// them is unaffected. Rows and error records are read back by DuckDB.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadProject } from '../../src/config/load.ts';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import { runProject } from '../../src/runtime/run.ts';

const RECORDS = 10_000;
const HANG_AT = 6_789;

const udf = (marker: string) => `import os


def tag(record):
    if record["seq"] == ${HANG_AT}:
        while True:
            pass
    record["tag"] = "t%d" % record["seq"]
    return record


def hostile(record):
    if record["seq"] % 1000 == 0:
        os.system("touch ${marker}")
    return record
`;

const config = `
warehouse: ./warehouse
udf: { timeout_ms: 500 }
sources:
  events:
    files: { path: input.log }
tables:
  tagged:
    source: events
    parser: { json: {} }
    extend: [{ udf: udf/tags.py#tag }]
    schema: { seq: BIGINT NOT NULL, tag: STRING NOT NULL }
  hostile:
    source: events
    parser: { json: {} }
    extend: [{ udf: udf/tags.py#hostile }]
    schema: { seq: BIGINT NOT NULL }
  plain:
    source: events
    parser: { json: {} }
    schema: { seq: BIGINT NOT NULL }
sinks:
  tagged: { table: tagged, hive: { database: c, format: parquet } }
  hostile: { table: hostile, hive: { database: c, format: json } }
  plain: { table: plain, hive: { database: c, format: json } }
`;

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('one hanging record in a batch of 10,000 fails alone; a hostile UDF does nothing on the host', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-containment-'));
  dirs.push(dir);
  const marker = join(dir, 'pwned');
  await mkdir(join(dir, 'udf'));
  await writeFile(join(dir, 'udf', 'tags.py'), udf(marker));
  await writeFile(join(dir, 'weir.yaml'), config);
  const lines = Array.from({ length: RECORDS }, (_, i) => JSON.stringify({ seq: i }));
  await writeFile(join(dir, 'input.log'), `${lines.join('\n')}\n`);
  const loaded = await loadProject(dir);
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));

  const summary = await runProject(loaded.project, { batchSize: RECORDS, workers: 1 });
  const t = summary.counters.tables;
  assert.deepEqual(
    [t.tagged?.recordsOut, t.tagged?.recordsErrored, t.hostile?.recordsOut, t.hostile?.recordsErrored],
    [RECORDS - 1, 1, RECORDS - 10, 10],
  );
  assert.equal(t.plain?.recordsOut, RECORDS);
  assert.equal(existsSync(marker), false);

  const conn = await openWarehouse(loaded.project.warehouse);
  const count = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRowObjectsJson()[0]!.n);
  assert.equal(await count('SELECT count(*) AS n FROM c.tagged'), RECORDS - 1);
  assert.equal(await count(`SELECT count(*) AS n FROM c.tagged WHERE seq = ${HANG_AT}`), 0);
  assert.equal(await count(`SELECT count(*) AS n FROM c.tagged WHERE tag = 't' || seq`), RECORDS - 1);
  assert.equal(await count('SELECT count(*) AS n FROM c.plain'), RECORDS);
  assert.equal(await count('SELECT count(*) AS n FROM c.hostile'), RECORDS - 10);

  const errors = (
    await conn.runAndReadAll(
      `SELECT code, "table", message, "offset" FROM read_json('${join(dir, 'warehouse', '_errors')}/*/*/part-*', hive_partitioning = true) ORDER BY "table", "offset"`,
    )
  ).getRowObjectsJson();
  const timeouts = errors.filter((e) => e.table === 'tagged');
  assert.deepEqual(
    timeouts.map((e) => [e.code, Number(e.offset)]),
    [['UDF_TIMEOUT', lines.slice(0, HANG_AT).reduce((n, l) => n + l.length + 1, 0)]],
  );
  assert.match(String(timeouts[0]!.message), /ran past its time limit of 500 ms on this record/);
  const refused = errors.filter((e) => e.table === 'hostile');
  assert.equal(refused.length, 10);
  assert.ok(refused.every((e) => e.code === 'UDF' && /cannot run shell commands/.test(String(e.message))));
});

const jsUdf = (marker: string) => `
export function tag(record) {
  if (record.seq === ${HANG_AT}) for (;;) {}
  return { ...record, tag: 't' + record.seq };
}

export function hostile(record) {
  if (record.seq % 1000 === 0) {
    Object.prototype.tag = 'polluted';
    globalThis.process.getBuiltinModule('node:child_process').execSync('touch ${marker}');
  }
  return record;
}
`;

test('JS UDFs: one hanging record in 10,000 fails alone; a hostile UDF reaches neither host nor tables', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-containment-js-'));
  dirs.push(dir);
  const marker = join(dir, 'pwned');
  await mkdir(join(dir, 'udf'));
  await writeFile(join(dir, 'udf', 'tags.js'), jsUdf(marker));
  await writeFile(join(dir, 'weir.yaml'), config.replaceAll('udf/tags.py', 'udf/tags.js'));
  const lines = Array.from({ length: RECORDS }, (_, i) => JSON.stringify({ seq: i }));
  await writeFile(join(dir, 'input.log'), `${lines.join('\n')}\n`);
  const loaded = await loadProject(dir);
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));

  const summary = await runProject(loaded.project, { batchSize: RECORDS, workers: 1 });
  const t = summary.counters.tables;
  assert.deepEqual(
    [t.tagged?.recordsOut, t.tagged?.recordsErrored, t.hostile?.recordsOut, t.hostile?.recordsErrored],
    [RECORDS - 1, 1, RECORDS - 10, 10],
  );
  assert.equal(t.plain?.recordsOut, RECORDS);
  assert.equal(existsSync(marker), false);

  const conn = await openWarehouse(loaded.project.warehouse);
  const count = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRowObjectsJson()[0]!.n);
  assert.equal(await count('SELECT count(*) AS n FROM c.tagged'), RECORDS - 1);
  assert.equal(await count(`SELECT count(*) AS n FROM c.tagged WHERE tag = 't' || seq`), RECORDS - 1);
  assert.equal(await count('SELECT count(*) AS n FROM c.plain'), RECORDS);
  const errors = (
    await conn.runAndReadAll(
      `SELECT code, "table", message FROM read_json('${join(dir, 'warehouse', '_errors')}/*/*/part-*', hive_partitioning = true)`,
    )
  ).getRowObjectsJson();
  const timeouts = errors.filter((e) => e.table === 'tagged');
  assert.deepEqual(
    timeouts.map((e) => e.code),
    ['UDF_TIMEOUT'],
  );
  assert.match(String(timeouts[0]!.message), /ran past its time limit of 500 ms/);
  const refused = errors.filter((e) => e.table === 'hostile');
  assert.equal(refused.length, 10);
  assert.ok(refused.every((e) => e.code === 'UDF' && /reading 'getBuiltinModule'/.test(String(e.message))));
});

test('weir run --workers 2: a JS UDF whose Map grows without end fails its record alone; the job ends normally', async () => {
  // Before the JS sandbox process, V8 losing the isolate aborted `weir run` (exit 134), each restart again.
  const dir = await mkdtemp(join(tmpdir(), 'weir-containment-js-map-'));
  dirs.push(dir);
  await mkdir(join(dir, 'udf'));
  await mkdir(join(dir, 'data'));
  await writeFile(
    join(dir, 'udf', 'grow.js'),
    `export function tag(record) {
  if (record.seq % 2500 === 1234) { const seen = new Map(); for (let i = 0; ; i++) seen.set(i, { i }); }
  return { ...record, tag: 't' + record.seq };
}
`,
  );
  await writeFile(
    join(dir, 'weir.yaml'),
    `
warehouse: ./warehouse
udf: { memory_mb: 64, timeout_ms: 20000 }
sources:
  events:
    files: { path: "data/*.log" }
tables:
  tagged:
    source: events
    parser: { json: {} }
    extend: [{ udf: udf/grow.js#tag }]
    schema: { seq: BIGINT NOT NULL, tag: STRING NOT NULL }
sinks:
  tagged: { table: tagged, hive: { database: c, format: parquet } }
`,
  );
  const lines = (from: number) => Array.from({ length: 2500 }, (_, i) => `{"seq":${from + i}}`).join('\n');
  await writeFile(join(dir, 'data', 'a.log'), `${lines(0)}\n`);
  await writeFile(join(dir, 'data', 'b.log'), `${lines(2500)}\n`);
  const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
  const run = spawnSync(process.execPath, [cli, 'run', dir, '--workers', '2'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /Last few GCs|FATAL ERROR/);

  const conn = await openWarehouse(join(dir, 'warehouse'));
  const count = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRowObjectsJson()[0]!.n);
  assert.equal(await count(`SELECT count(*) AS n FROM c.tagged WHERE tag = 't' || seq`), 4998);
  assert.equal(await count('SELECT count(*) AS n FROM c.tagged WHERE seq IN (1234, 3734)'), 0);
  const errors = (
    await conn.runAndReadAll(
      `SELECT code, message FROM read_json('${join(dir, 'warehouse', '_errors')}/*/*/part-*', hive_partitioning = true)`,
    )
  ).getRowObjectsJson();
  assert.equal(errors.length, 2);
  assert.ok(
    errors.every(
      (e) => e.code === 'UDF' && /memory limit \(udf\.memory_mb = 64 MB\)/.test(String(e.message)),
    ),
  );
});
