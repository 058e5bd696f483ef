// Crash test: a run over 1M records is killed with SIGKILL at 20+ random moments and restarted
// each time. At the end every input record is in the warehouse or the error store exactly once,
// and the SLA counters equal the true counts (computed from the input and read back by DuckDB).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadProject } from '../../src/config/load.ts';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import { rng } from '../../src/gen/gamelogs.ts';
import { sumCounters } from '../../src/metrics/counters.ts';
import { readManifests } from '../../src/runtime/checkpoint.ts';
import { checkpointRoot } from '../../src/runtime/run.ts';

const RECORDS = Number(process.env.WEIR_CRASH_RECORDS ?? 1_000_000);
const KILLS = Number(process.env.WEIR_CRASH_KILLS ?? 20);
const FILES = 4;
const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

const CONFIG = `
warehouse: ./warehouse
checkpoint: { interval_seconds: 0.5 }
sources:
  events:
    files: { path: "data/*.log" }
tables:
  clicks:
    source: events
    filter: { contains: ['"k":"click"'] }
    parser: { json: {} }
    schema:
      seq: BIGINT NOT NULL
      user: STRING NOT NULL
      n: INT
      bucket: STRING NOT NULL
  buys:
    source: events
    filter: { contains: ['"k":"buy"'] }
    parser: { json: {} }
    schema:
      seq: BIGINT NOT NULL
      user: STRING NOT NULL
      amount: DECIMAL(10,2) NOT NULL
      bucket: STRING NOT NULL
    drop_when: "user = 'test'"
sinks:
  clicks:
    table: clicks
    hive: { database: crash, format: parquet, partitioned_by: [bucket], rolling: { max_rows: 50000 } }
  buys:
    table: buys
    hive: { database: crash, format: json, partitioned_by: [bucket] }
`;

interface Truth {
  clicks: number;
  buys: number;
  buysDropped: number;
  errorsClicks: number;
  errorsBuys: number;
  unrouted: number;
  clickSeqSum: bigint;
}

/** Writes the input and returns what a correct run must produce. */
async function writeInput(dir: string): Promise<Truth> {
  const rand = rng(7);
  const truth: Truth = {
    clicks: 0,
    buys: 0,
    buysDropped: 0,
    errorsClicks: 0,
    errorsBuys: 0,
    unrouted: 0,
    clickSeqSum: 0n,
  };
  const perFile = Math.ceil(RECORDS / FILES);
  let seq = 0;
  for (let f = 0; f < FILES; f++) {
    const lines: string[] = [];
    for (let i = 0; i < perFile && seq < RECORDS; i++, seq++) {
      const r = rand();
      const bucket = `b${seq % 7}`;
      if (r < 0.6) {
        if (rand() < 0.01) {
          lines.push(`{"k":"click","seq":${seq},"user":"u${seq % 1000}","n":`); // truncated
          truth.errorsClicks++;
        } else {
          lines.push(
            `{"k":"click","seq":${seq},"user":"u${seq % 1000}","n":${seq % 100},"bucket":"${bucket}"}`,
          );
          truth.clicks++;
          truth.clickSeqSum += BigInt(seq);
        }
      } else if (r < 0.95) {
        const test = rand() < 0.05;
        if (rand() < 0.01) {
          lines.push(`{"k":"buy","seq":${seq},"user":"u1","amount":"12x","bucket":"${bucket}"}`); // CAST
          truth.errorsBuys++;
        } else {
          lines.push(
            `{"k":"buy","seq":${seq},"user":"${test ? 'test' : `u${seq % 50}`}","amount":"${seq % 1000}.25","bucket":"${bucket}"}`,
          );
          if (test) truth.buysDropped++;
          else truth.buys++;
        }
      } else {
        lines.push(`noise line ${seq}`);
        truth.unrouted++;
      }
    }
    await writeFile(join(dir, 'data', `part-${f}.log`), `${lines.join('\n')}\n`);
  }
  return truth;
}

function runOnce(
  dir: string,
  killAfterMs: number | null,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'run', dir, '--workers', '2'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = killAfterMs === null ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

test(`crash test: ${RECORDS} records, ${KILLS} SIGKILLs, exactly once`, {
  timeout: 20 * 60_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-crash-'));
  await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'data')));
  await writeFile(join(dir, 'weir.yaml'), CONFIG);
  const truth = await writeInput(dir);
  const rand = rng(99);

  let kills = 0;
  let finished = false;
  while (kills < KILLS) {
    // Short enough that 20 kills land before an idle machine has read all the input (300-1800 ms
    // let it finish after 18 kills about one run in four).
    const r = await runOnce(dir, 250 + Math.floor(rand() * 1100));
    if (r.signal === 'SIGKILL') kills++;
    else {
      assert.equal(r.code, 0, r.stderr);
      finished = true;
      break;
    }
  }
  // A run that finished before the kills ran out still counts the kills it got; run once more to the end.
  if (!finished) {
    const r = await runOnce(dir, null);
    assert.equal(r.code, 0, r.stderr);
  }
  assert.equal(
    kills,
    KILLS,
    `only ${kills} kills landed before the input ran out; make WEIR_CRASH_RECORDS larger`,
  );

  const loaded = await loadProject(dir);
  assert.ok(loaded.ok);
  const project = loaded.project;
  const counters = sumCounters(
    (await readManifests(checkpointRoot(project), 'events')).map((m) => m.counters),
  );
  const conn = await openWarehouse(project.warehouse);
  try {
    const one = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson()[0];
    const clicks = await one(
      'SELECT count(*) AS n, count(DISTINCT seq) AS d, sum(seq) AS s FROM crash.clicks',
    );
    const buys = await one('SELECT count(*) AS n, count(DISTINCT seq) AS d FROM crash.buys');
    assert.equal(Number(clicks.n), truth.clicks, 'clicks rows');
    assert.equal(Number(clicks.d), truth.clicks, 'clicks duplicated');
    assert.equal(BigInt(String(clicks.s)), truth.clickSeqSum, 'clicks checksum');
    assert.equal(Number(buys.n), truth.buys, 'buys rows');
    assert.equal(Number(buys.d), truth.buys, 'buys duplicated');
    const errors = (
      await conn.runAndReadAll(
        `SELECT "table" AS t, count(*) AS n, count(DISTINCT split || ':' || "offset") AS d
         FROM read_json('${join(project.warehouse, '_errors')}/*/*/part-*', hive_partitioning = true) GROUP BY 1 ORDER BY 1`,
      )
    ).getRowObjectsJson();
    assert.deepEqual(
      errors.map((e) => [e.t, Number(e.n), Number(e.d)]),
      [
        ['buys', truth.errorsBuys, truth.errorsBuys],
        ['clicks', truth.errorsClicks, truth.errorsClicks],
      ],
    );
  } finally {
    conn.closeSync();
  }
  assert.equal(counters.recordsRead, RECORDS);
  assert.equal(counters.unrouted, truth.unrouted);
  assert.deepEqual(
    { ...counters.tables.clicks, user: undefined },
    {
      recordsIn: truth.clicks + truth.errorsClicks,
      recordsOut: truth.clicks,
      recordsDropped: 0,
      recordsErrored: truth.errorsClicks,
      user: undefined,
    },
  );
  assert.deepEqual(
    { ...counters.tables.buys, user: undefined },
    {
      recordsIn: truth.buys + truth.buysDropped + truth.errorsBuys,
      recordsOut: truth.buys,
      recordsDropped: truth.buysDropped,
      recordsErrored: truth.errorsBuys,
      user: undefined,
    },
  );
  // No in-progress file is left behind.
  const leftovers = (await readdir(project.warehouse, { recursive: true })).filter((f) =>
    f.endsWith('.inprogress'),
  );
  assert.deepEqual(leftovers, []);
  await sleep(0);
});
