// A worker processes one batch while it loads the one before (src/runtime/job.ts, step): with a
// Python UDF, the job thread parses batch N+1 while the interpreter runs batch N. Checked here: the
// overlap happens, and every record is still loaded exactly once, in order, counters included
// (read back by DuckDB).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadProject } from '../../src/config/load.ts';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import type { Progress } from '../../src/runtime/job.ts';
import { runProject } from '../../src/runtime/run.ts';

const RECORDS = 3000;
const BATCH = 250;

const CONFIG = `
warehouse: ./warehouse
sources:
  events:
    files: { path: input.log }
tables:
  tagged:
    source: events
    parser: { json: {} }
    extend:
      - udf: udf/tag.py#tag
    schema:
      seq: BIGINT NOT NULL
      name: STRING NOT NULL
      twice: BIGINT NOT NULL
sinks:
  tagged:
    table: tagged
    hive: { database: overlap, format: json }
`;

const UDF = `import weir


def tag(record):
    if record["seq"] % 7 == 0:
        return None
    record["twice"] = record["seq"] * 2
    weir.count("tagged")
    return record
`;

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('a batch is read before the previous one is loaded; every record is loaded once, in order', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-overlap-'));
  dirs.push(dir);
  await mkdir(join(dir, 'udf'));
  await writeFile(join(dir, 'udf', 'tag.py'), UDF);
  await writeFile(join(dir, 'weir.yaml'), CONFIG);
  const lines = Array.from({ length: RECORDS }, (_, i) => JSON.stringify({ seq: i, name: `玩家${i}` }));
  await writeFile(join(dir, 'input.log'), `${lines.join('\n')}\n`);
  const loaded = await loadProject(dir);
  assert.ok(loaded.ok);

  const seen: Progress[] = [];
  const summary = await runProject(loaded.project, {
    batchSize: BATCH,
    onProgress: (_source, p) => seen.push({ ...p }),
  });
  // After the first step the first batch is read (bytes) but still being processed (no records).
  assert.ok(seen[0] && seen[0].bytesRead > 0 && seen[0].recordsRead === 0, JSON.stringify(seen[0]));
  assert.ok(seen.some((p) => p.recordsRead === BATCH && p.bytesRead > lines[0]!.length * BATCH * 1.5));

  const kept = Array.from({ length: RECORDS }, (_, i) => i).filter((i) => i % 7 !== 0);
  const table = summary.counters.tables.tagged!;
  assert.equal(summary.counters.recordsRead, RECORDS);
  assert.equal(table.recordsOut, kept.length);
  assert.equal(table.recordsDropped, RECORDS - kept.length);
  assert.equal(table.user.tagged, kept.length);

  const conn = await openWarehouse(loaded.project.warehouse);
  const rows = (await conn.runAndReadAll('SELECT seq, name, twice FROM overlap.tagged')).getRowObjectsJson();
  assert.deepEqual(
    rows.map((r) => Number(r.seq)).sort((a, b) => a - b),
    kept,
  );
  assert.ok(rows.every((r) => Number(r.twice) === 2 * Number(r.seq) && r.name === `玩家${r.seq}`));
  // One worker, one file: the rows are in input order.
  assert.deepEqual(
    rows.map((r) => Number(r.seq)),
    kept,
  );
});
