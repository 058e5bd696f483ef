// A truncated or non-gzip `.gz` file: what it held up to the damage loads, the rest becomes one
// GZIP_UNREADABLE error record naming the file, the job goes on, and a restart does not read the
// file again (it used to stop the job on every restart without naming the file).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadProject } from '../../src/config/load.ts';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import { runProject } from '../../src/runtime/run.ts';

const CONFIG = `
warehouse: ./warehouse
sources:
  events:
    files: { path: "data/*" }
tables:
  t:
    source: events
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL }
sinks:
  t: { table: t, hive: { database: db, format: json } }
`;

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const lines = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `{"id":${from + i}}`).join('\n') + '\n';

test('a truncated .gz and a .gz that is not gzip: the job goes on, one error record each, not retried', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-gz-'));
  dirs.push(dir);
  await mkdir(join(dir, 'data'));
  await writeFile(join(dir, 'weir.yaml'), CONFIG);
  await writeFile(join(dir, 'data', 'a.log'), lines(0, 100));
  // 20,000 lines compress to ~40 KB; the first half of it decompresses to a few thousand lines.
  const full = gzipSync(lines(1000, 20_000));
  await writeFile(join(dir, 'data', 'b.log.gz'), full.subarray(0, Math.floor(full.length / 2)));
  await writeFile(join(dir, 'data', 'c.log.gz'), 'this is plain text named .gz\n');
  const loaded = await loadProject(dir);
  assert.ok(loaded.ok);

  const first = await runProject(loaded.project);
  const conn = await openWarehouse(loaded.project.warehouse);
  const errorsSql = `SELECT code, split, message, raw, line FROM read_json('${join(dir, 'warehouse', '_errors')}/*/*/part-*', hive_partitioning = true) ORDER BY split`;
  const errors = (await conn.runAndReadAll(errorsSql)).getRowObjectsJson();
  assert.equal(errors.length, 2, JSON.stringify(errors));
  const [b, c] = errors;
  assert.equal(b!.code, 'GZIP_UNREADABLE');
  assert.ok(String(b!.split).endsWith('data/b.log.gz'));
  assert.match(
    String(b!.message),
    /data\/b\.log\.gz stopped decompressing after \d+ lines \(unexpected end of file\)/,
  );
  assert.equal(c!.code, 'GZIP_UNREADABLE');
  assert.match(
    String(c!.message),
    /data\/c\.log\.gz stopped decompressing after 0 lines \(incorrect header check\)/,
  );
  assert.equal(c!.raw, 'this is plain text named .gz\n');

  // Every full line before the damage loaded, in order, none twice.
  const ids = (await conn.runAndReadAll('SELECT id FROM db.t ORDER BY id'))
    .getRowObjectsJson()
    .map((r) => Number(r.id));
  const fromB = ids.filter((id) => id >= 1000);
  assert.ok(fromB.length > 1000 && fromB.length < 20_000, `${fromB.length} lines of b.log.gz`);
  assert.equal(Number(b!.line), fromB.length + 1);
  assert.deepEqual(
    fromB,
    Array.from({ length: fromB.length }, (_, i) => 1000 + i),
  );
  assert.equal(ids.length, 100 + fromB.length);
  assert.equal(first.counters.recordsRead, 100 + fromB.length + 2);

  // A restart reads nothing again: no new rows, no new error records.
  const second = await runProject(loaded.project);
  assert.equal(second.counters.recordsRead, first.counters.recordsRead);
  assert.equal((await conn.runAndReadAll(errorsSql)).getRowObjectsJson().length, 2);
  assert.equal(
    Number((await conn.runAndReadAll('SELECT count(*) AS n FROM db.t')).getRowObjectsJson()[0]!.n),
    ids.length,
  );
  conn.closeSync();
});
