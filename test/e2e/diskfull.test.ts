// A full disk (a small tmpfs; a read-only folder when not root) stops the job with a clear
// message; committed data stays intact and consistent; once the fault is gone the job resumes
// and every record ends up in the warehouse or the error store exactly once.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadProject } from '../../src/config/load.ts';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import { sumCounters } from '../../src/metrics/counters.ts';
import { readManifests } from '../../src/runtime/checkpoint.ts';
import { checkpointRoot } from '../../src/runtime/run.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const RECORDS = 60_000;
const isRoot = process.getuid?.() === 0;

function mountTmpfs(dir: string, size: string, remount = false): boolean {
  const r = spawnSync('mount', [
    '-t',
    'tmpfs',
    '-o',
    `${remount ? 'remount,' : ''}size=${size}`,
    'tmpfs',
    dir,
  ]);
  return r.status === 0;
}

const run = (dir: string) => spawnSync(process.execPath, [CLI, 'run', dir], { encoding: 'utf8' });

test('a full disk stops the job plainly; after the fault is removed it resumes exactly once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-full-'));
  mkdirSync(join(dir, 'data'));
  const warehouse = join(dir, 'warehouse');
  mkdirSync(warehouse);
  const lines: string[] = [];
  for (let i = 0; i < RECORDS; i++) {
    lines.push(
      i % 100 === 7 ? `{"id":${i},"pad":` : `{"id":${i},"pad":"${'x'.repeat(60)}","day":"d${i % 3}"}`,
    );
  }
  writeFileSync(join(dir, 'data', 'in.log'), `${lines.join('\n')}\n`);
  writeFileSync(
    join(dir, 'weir.yaml'),
    `warehouse: ./warehouse
checkpoint: { interval_seconds: 0.2 }
sources:
  s: { files: { path: "data/*.log" } }
tables:
  t:
    source: s
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL, pad: STRING, day: STRING NOT NULL }
sinks:
  t:
    table: t
    hive: { database: db, format: json, partitioned_by: [day], rolling: { max_rows: 2000 } }
`,
  );

  let mounted = false;
  if (isRoot) {
    mounted = mountTmpfs(warehouse, '1m');
    if (mounted) after(() => execFileSync('umount', ['-l', warehouse]));
  }
  if (!mounted) chmodSync(warehouse, 0o555);
  t.diagnostic(mounted ? 'fault: a 1 MB tmpfs' : 'fault: a read-only folder');

  const failed = run(dir);
  assert.equal(failed.status, 1, failed.stdout + failed.stderr);
  assert.match(failed.stderr, mounted ? /the disk is full/ : /permission denied/);
  assert.match(failed.stderr, /Committed data is intact/);
  t.diagnostic(failed.stderr.trim());

  const project = await (async () => {
    const loaded = await loadProject(dir);
    assert.ok(loaded.ok);
    return loaded.project;
  })();
  const committed = async () => {
    const counters = sumCounters((await readManifests(checkpointRoot(project), 's')).map((m) => m.counters));
    const conn = await openWarehouse(project.warehouse);
    try {
      const r = (
        await conn.runAndReadAll('SELECT count(*) AS n, count(DISTINCT id) AS d FROM db.t')
      ).getRowObjectsJson()[0];
      return { counters, rows: Number(r.n), distinct: Number(r.d) };
    } finally {
      conn.closeSync();
    }
  };
  if (mounted) {
    // What was committed before the disk filled is readable and matches the committed counters.
    const before = await committed();
    assert.equal(before.rows, before.distinct);
    assert.equal(before.rows, before.counters.tables.t?.recordsOut ?? 0);
    assert.ok(before.rows < RECORDS);
    assert.ok(mountTmpfs(warehouse, '64m', true), 'remount bigger');
  } else {
    chmodSync(warehouse, 0o755);
  }

  const resumed = run(dir);
  assert.equal(resumed.status, 0, resumed.stderr);
  const end = await committed();
  const errored = RECORDS / 100;
  assert.equal(end.rows, RECORDS - errored);
  assert.equal(end.distinct, RECORDS - errored);
  assert.deepEqual(
    { ...end.counters.tables.t, user: undefined },
    {
      recordsIn: RECORDS,
      recordsOut: RECORDS - errored,
      recordsDropped: 0,
      recordsErrored: errored,
      user: undefined,
    },
  );
});
