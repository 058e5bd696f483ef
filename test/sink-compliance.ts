// The sink compliance suite (after Vector's component compliance tests): every sink kind loads
// the same input through a run killed with SIGKILL mid-stream and restarted, and must then
//   - hold every row the sink did not refuse: exactly once (at least once where the kind says so),
//     as an independent reader (DuckDB, a Kafka consumer) sees it;
//   - return the rows it refuses as SINK error records, one each, in the error store;
//   - balance its counters in `weir status`: in = out + dropped + errored, out = rows delivered.
// A kind joins the suite with one Case (test/e2e/sink-compliance.test.ts, test/kafka/...).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openWarehouse } from '../src/connectors/warehouse/sql.ts';

export const CLI = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
export const RECORDS = 60_000;

export interface Case {
  /** e.g. `hive parquet` */
  name: string;
  /** The sink `out`'s YAML mapping, for table t (columns id BIGINT NOT NULL, zone STRING NOT NULL). */
  sink: string;
  /** A zone value this sink refuses (becomes a SINK error record), if the kind refuses any. */
  refusedZone?: string;
  /** The ids the sink delivered, read by an independent reader. */
  read(dir: string): Promise<number[]>;
  /** At least once kinds may repeat rows after a crash, never lose one. */
  atLeastOnce?: boolean;
}

/** Input: {"id":n,"zone":...}; the rows at REFUSED ids get the refused zone. */
const REFUSED = [777, 33_333];
const zoneOf = (c: Case, id: number) =>
  c.refusedZone && REFUSED.includes(id) ? c.refusedZone : `z${id % 3}`;

export async function compliance(c: Case): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-compliance-'));
  try {
    await mkdir(join(dir, 'data'));
    await writeFile(
      join(dir, 'weir.yaml'),
      `warehouse: ./warehouse
checkpoint: { interval_seconds: 0.2 }
sources:
  events: { files: { path: "data/*.log" } }
tables:
  t:
    source: events
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL, zone: STRING NOT NULL }
sinks:
  out: ${c.sink}
`,
    );
    // Two files, so the run is still going when it is killed.
    for (const [f, from, to] of [
      ['a.log', 0, RECORDS / 2],
      ['b.log', RECORDS / 2, RECORDS],
    ] as const) {
      const lines: string[] = [];
      for (let id = from; id < to; id++) lines.push(JSON.stringify({ id, zone: zoneOf(c, id) }));
      await writeFile(join(dir, 'data', f), `${lines.join('\n')}\n`);
    }

    // Killed once its first checkpoint is durable, then run to the end.
    const child = spawn(process.execPath, [CLI, 'run', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((done) => child.on('exit', (code) => done(code)));
    const checkpoints = join(dir, 'warehouse', '_weir', 'checkpoints');
    for (let i = 0; i < 300 && child.exitCode === null; i++) {
      const found = await readdir(checkpoints, { recursive: true }).catch(() => []);
      if (found.some((f) => String(f).endsWith('.json'))) break;
      await sleep(20);
    }
    child.kill('SIGKILL');
    assert.equal(await exited, null, `${c.name}: the first run ended before it was killed:\n${stderr}`);
    const rerun = spawnSync(process.execPath, [CLI, 'run', dir], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(rerun.status, 0, `the run after the kill:\n${rerun.stderr}\nfirst run:\n${stderr}`);

    const refused = c.refusedZone ? REFUSED : [];
    const want = Array.from({ length: RECORDS }, (_, i) => i).filter((id) => !refused.includes(id));
    const got = (await c.read(dir)).sort((a, b) => a - b);
    if (c.atLeastOnce) {
      assert.deepEqual([...new Set(got)], want, `${c.name}: every row at least once`);
    } else {
      assert.equal(got.length, want.length, `${c.name}: rows delivered`);
      assert.deepEqual(got, want, `${c.name}: every row exactly once`);
    }

    const status = spawnSync(process.execPath, [CLI, 'status', dir, '--json'], { encoding: 'utf8' });
    assert.equal(status.status, 0, status.stderr);
    const s = JSON.parse(status.stdout).counters.sinks.out;
    s.recordsErrored ??= 0; // written only once a sink refused a row
    assert.equal(
      s.recordsIn,
      s.recordsOut + s.recordsDropped + s.recordsErrored,
      `${c.name}: in = out + dropped + errored`,
    );
    assert.deepEqual(
      { in: s.recordsIn, out: s.recordsOut, errored: s.recordsErrored },
      { in: RECORDS, out: want.length, errored: refused.length },
      `${c.name}: weir status`,
    );
    assert.deepEqual(await errorStoreIds(dir), refused, `${c.name}: SINK error records`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Ids of the SINK error records in the error store (JSON files under _errors), read by DuckDB. */
async function errorStoreIds(dir: string): Promise<number[]> {
  const store = join(dir, 'warehouse', '_errors');
  const files = await readdir(store, { recursive: true }).catch(() => []);
  if (!files.some((f) => String(f).includes('part-'))) return [];
  const conn = await openWarehouse(join(dir, 'warehouse'));
  try {
    const rows = (
      await conn.runAndReadAll(
        `SELECT code, raw FROM read_json('${store}/*/*/part-*', hive_partitioning = true)`,
      )
    ).getRowObjectsJson();
    assert.deepEqual([...new Set(rows.map((r) => r.code))], rows.length ? ['SINK'] : []);
    return rows.map((r) => JSON.parse(String(r.raw)).id as number).sort((a, b) => a - b);
  } finally {
    conn.closeSync();
  }
}

/** Ids of a warehouse table, read by DuckDB through the catalog. */
export async function warehouseIds(dir: string, table: string): Promise<number[]> {
  const conn = await openWarehouse(join(dir, 'warehouse'));
  try {
    return (await conn.runAndReadAll(`SELECT id FROM ${table}`)).getRowObjectsJson().map((r) => Number(r.id));
  } finally {
    conn.closeSync();
  }
}
