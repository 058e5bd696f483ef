// Small files, as a user meets them: a follow-mode run over an hour of input (many checkpoints,
// daily partitions) keeps JSON and text files open across checkpoints, compacts the
// Parquet files of a day once it is quiet while the job runs, and `weir compact` merges the rest;
// DuckDB and pyarrow read the same rows before and after. Then `weir compact` is SIGKILLed at
// random moments and at every step: each rerun leaves the rows exact, with nothing left over.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import { rng } from '../../src/gen/gamelogs.ts';
import { pythonEnv, runPython } from '../readers/python-env.ts';
import { CLI, idProject } from './id-project.ts';

const DAY1 = '2026-12-01';
const DAY2 = '2026-12-02';

function weir(
  dir: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): ChildProcess & { out: () => string } {
  const child = spawn(process.execPath, [CLI, args[0]!, dir, ...args.slice(1)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return Object.assign(child, { out: () => out });
}

function exit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null)
      done({ code: child.exitCode, signal: child.signalCode });
    else child.on('close', (code, signal) => done({ code, signal }));
  });
}

async function ok(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const child = weir(dir, args, env);
  const { code } = await exit(child);
  assert.equal(code, 0, `weir ${args.join(' ')}:\n${child.out()}`);
  return child.out();
}

/** Committed data files per partition folder of a table, as readers see them (no dot/underscore names). */
async function filesPerPartition(location: string): Promise<Map<string, { files: number; bytes: number }>> {
  const out = new Map<string, { files: number; bytes: number }>();
  const walk = async (dir: string, rel: string) => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
      if (e.isDirectory()) await walk(join(dir, e.name), rel ? `${rel}/${e.name}` : e.name);
      else {
        const had = out.get(rel) ?? { files: 0, bytes: 0 };
        out.set(rel, { files: had.files + 1, bytes: had.bytes + (await stat(join(dir, e.name))).size });
      }
    }
  };
  await walk(location, '');
  return out;
}

/** Every row of the tables as DuckDB reads them through the catalog, sorted (a multiset). */
async function duckRows(dir: string, tables: string[]): Promise<Record<string, string[]>> {
  const conn = await openWarehouse(join(dir, 'warehouse'));
  try {
    const out: Record<string, string[]> = {};
    for (const t of tables) {
      const rows = (await conn.runAndReadAll(`SELECT id, dt, n FROM g.${t} ORDER BY id`)).getRowObjectsJson();
      out[t] = rows.map((r) => `${r.id}|${r.dt}|${r.n}`);
    }
    return out;
  } finally {
    conn.closeSync();
  }
}

// pyarrow reads the table folders itself (Hive partitioning; it skips `.` and `_` names).
const PYARROW = `
import json, os, sys
import pyarrow.dataset as ds, pyarrow.json as pj
root = sys.argv[1]
out = {}
for t, fmt in [('pq', 'parquet'), ('js', 'json')]:
    loc = os.path.join(root, 'g.db', t)
    rows = []
    if fmt == 'parquet':
        for r in ds.dataset(loc, format='parquet', partitioning='hive').to_table().to_pylist():
            rows.append(f"{r['id']}|{r['dt']}|{'null' if r['n'] is None else r['n']}")
    else:
        for day in sorted(os.listdir(loc)):
            if day[0] in '._': continue
            for f in sorted(os.listdir(os.path.join(loc, day))):
                if f[0] in '._': continue
                for r in pj.read_json(os.path.join(loc, day, f)).to_pylist():
                    rows.append(f"{r['id']}|{day[3:]}|{'null' if r.get('n') is None else r['n']}")
    rows.sort(key=lambda s: int(s.split('|')[0]))
    out[t] = rows
print(json.dumps(out))
`;

const FOLLOW = `warehouse: ./warehouse
checkpoint: { interval_seconds: 0.2 }
sources:
  events: { files: { path: "data/*.log", follow: true } }
tables:
  t:
    source: events
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL, at: STRING NOT NULL, n: INT, dt: STRING NOT NULL }
sinks:
  pq:
    table: t
    hive:
      database: g
      partitioned_by: [dt]
      compaction: { quiet_seconds: 1.5, min_files: 2, target_bytes: 65536, grace_seconds: 0 }
  js: { table: t, hive: { database: g, format: json, partitioned_by: [dt], rolling: { max_seconds: 3600 } } }
  tx: { table: t, hive: { database: g, format: text, partitioned_by: [dt] } }
`;

/** One simulated minute of input (50 events per file), minute 0 = 23:30 of DAY1. */
function minute(m: number, file: number): string {
  const t = Date.parse(`${DAY1}T23:30:00Z`) + m * 60_000;
  const dt = new Date(t).toISOString().slice(0, 10);
  return Array.from({ length: 50 }, (_, i) => {
    const id = (m * 4 + file) * 50 + i;
    return `{"id":${id},"at":"${new Date(t + i * 1000).toISOString()}","n":${id % 7 === 0 ? 'null' : id % 1000},"dt":"${dt}"}`;
  }).join('\n');
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('follow run over an hour of input: few files per partition, compaction in the background and by weir compact, same rows for DuckDB and pyarrow', async (t: TestContext) => {
  const dir = await idProject({}, FOLLOW);
  const files = ['a', 'b', 'c', 'd'].map((f) => join(dir, 'data', `${f}.log`));
  for (let f = 0; f < files.length; f++) await writeFile(files[f]!, `${minute(0, f)}\n`);
  const run = weir(dir, ['run', '--follow']);
  const minutes = 60;
  try {
    for (let m = 1; m < minutes; m++) {
      for (let f = 0; f < files.length; f++) await appendFile(files[f]!, `${minute(m, f)}\n`);
      await sleep(100);
    }
    const total = minutes * files.length * 50;
    const location = (t: string) => join(dir, 'warehouse', 'g.db', t);
    // DAY1 got its last rows at minute 29: the background compaction merges its Parquet files.
    await until('the background compaction of the quiet day', async () => {
      const day = (await filesPerPartition(location('pq'))).get(`dt=${DAY1}`);
      return (
        day !== undefined &&
        day.files <= Math.ceil(day.bytes / 65536) &&
        /compacted g\.pq dt=2026-12-01/.test(run.out())
      );
    });
    await until(
      'every row committed',
      async () => (await duckRows(dir, ['pq']).catch(() => ({ pq: [] }))).pq.length === total,
    );
    run.kill('SIGTERM');
    const { code } = await exit(run);
    assert.equal(code, 0, run.out());

    const { readManifests } = await import('../../src/runtime/checkpoint.ts');
    const manifests = await readManifests(join(dir, 'warehouse', '_weir', 'checkpoints'), 'events');
    const checkpoints = manifests.reduce((n, m) => n + m.epoch, 0);
    assert.equal(manifests.length, 1, 'a follow-mode file job runs one worker');
    assert.ok(checkpoints >= 20, `many checkpoints (${checkpoints})`);
    for (const table of ['js', 'tx']) {
      for (const [p, f] of await filesPerPartition(location(table)))
        assert.ok(
          f.files <= 2,
          `${table} ${p}: ${f.files} files for ${checkpoints} checkpoints: one per worker`,
        );
    }

    const before = await duckRows(dir, ['pq', 'js', 'tx']);
    const expected = Array.from({ length: total }, (_, id) => id);
    for (const table of ['pq', 'js', 'tx'])
      assert.deepEqual(
        before[table]!.map((r) => Number(r.split('|')[0])),
        expected,
        `${table}: every id once`,
      );
    const env = await pythonEnv('pyarrow', ['pyarrow==16.1.0']);
    const arrow = env.python
      ? async () =>
          JSON.parse(await runPython(env, PYARROW, [join(dir, 'warehouse')])) as Record<string, string[]>
      : undefined;
    if (!arrow) t.diagnostic(`pyarrow not checked: ${env.skip}`);
    const arrowBefore = await arrow?.();
    if (arrowBefore) for (const table of ['pq', 'js']) assert.deepEqual(arrowBefore[table], before[table]);

    const sizes = new Map<string, Map<string, { files: number; bytes: number }>>();
    for (const table of ['pq', 'js', 'tx']) sizes.set(table, await filesPerPartition(location(table)));
    const compact = await ok(dir, ['compact', '--min-files', '2', '--target-bytes', '65536']);
    assert.match(compact, /partition\(s\) compacted/);
    for (const table of ['pq', 'js', 'tx']) {
      for (const [p, f] of await filesPerPartition(location(table))) {
        const bound = Math.ceil(sizes.get(table)!.get(p)!.bytes / 65536);
        assert.ok(f.files <= bound, `${table} ${p}: ${f.files} files after compaction, at most ${bound}`);
      }
    }
    assert.deepEqual(await duckRows(dir, ['pq', 'js', 'tx']), before, 'DuckDB reads the same rows after');
    const arrowAfter = await arrow?.();
    if (arrowAfter)
      for (const table of ['pq', 'js']) assert.deepEqual(arrowAfter[table], before[table], 'pyarrow too');

    const status = JSON.parse(await ok(dir, ['status', '--json']));
    assert.deepEqual(
      Object.keys(status.files).sort(),
      ['errors', 'js', 'pq', 'tx'],
      'weir status shows the files of every table and the error store',
    );
    assert.equal(status.files.pq.partitions, 2);
    assert.ok(status.files.pq.files <= status.files.pq.partitions * 2);
  } finally {
    run.kill('SIGKILL');
  }
});

const BOUNDED = `warehouse: ./warehouse
checkpoint: { interval_seconds: 0.05 }
errors: { compaction: { min_files: 2, grace_seconds: 0 } }
sources:
  events: { files: { path: "data/*.log" } }
tables:
  t:
    source: events
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL, at: STRING NOT NULL, n: INT, dt: STRING NOT NULL }
sinks:
  pq: { table: t, hive: { database: g, partitioned_by: [dt], compaction: { min_files: 2, grace_seconds: 0 } } }
  js: { table: t, hive: { database: g, format: json, partitioned_by: [dt], compaction: { min_files: 2, grace_seconds: 0 } } }
`;

/** Everything a compaction may leave behind: hidden merged files, markers, ledgers, detour folders. */
async function leftovers(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const path = join(d, e.name);
      if (e.isDirectory() && e.name === '_weir_compactions') {
        for (const n of await readdir(path)) if (n !== 'locations.json') out.push(join(path, n));
        const moved = join(path, 'locations.json');
        if (existsSync(moved) && (await readFile(moved, 'utf8')).trim() !== '{}') out.push(moved);
      } else if (e.isDirectory()) await walk(path);
      else if (e.name.endsWith('.compacting') || e.name === '.weir-detour' || e.name.endsWith('.inprogress'))
        out.push(path);
    }
  };
  await walk(join(dir, 'warehouse'));
  return out;
}

async function errorCount(dir: string): Promise<number> {
  const r = JSON.parse(await ok(dir, ['errors', '--json']));
  return r.counts.reduce((n: number, c: { records: number }) => n + Number(c.records), 0);
}

test('weir compact SIGKILLed at random moments and at every step: each rerun leaves the rows exact, nothing left over', async () => {
  const dir = await idProject({}, BOUNDED);
  const rand = rng(11);
  let ids = 0;
  let bad = 0;
  const good: number[] = [];
  const expected = () => good;
  const check = async (when: string) => {
    const rows = await duckRows(dir, ['pq', 'js']);
    for (const table of ['pq', 'js'])
      assert.deepEqual(
        rows[table]!.map((r) => Number(r.split('|')[0])),
        expected(),
        `${table} after ${when}: every id once`,
      );
    assert.equal(await errorCount(dir), bad, `error records after ${when}`);
  };
  const load = async (round: number) => {
    const lines = [];
    for (let i = 0; i < 300; i++) {
      const id = ids++;
      const dt = i % 2 === 0 ? DAY1 : DAY2;
      const n = i % 50 === 0 ? '"x"' : String(id);
      if (i % 50 === 0) bad++;
      else good.push(id);
      lines.push(`{"id":${id},"at":"t","n":${n},"dt":"${dt}"}`);
    }
    await writeFile(join(dir, 'data', `r${String(round).padStart(3, '0')}.log`), `${lines.join('\n')}\n`);
    await ok(dir, ['run']);
  };
  const slow = { WEIR_TEST_COMPACT_DELAY_MS: '60', WEIR_TEST_LISTING_GRACE_MS: '30' };
  let killedMidway = 0;
  for (let round = 0; round < 12; round++) {
    await load(round);
    await load(round + 100);
    const child = weir(dir, ['compact', '--min-files', '2'], slow);
    await sleep(20 + Math.floor(rand() * 900));
    child.kill('SIGKILL');
    const { signal } = await exit(child);
    if (signal === 'SIGKILL') killedMidway++;
    await check(`a kill at round ${round}`);
  }
  assert.ok(killedMidway >= 10, `at least 10 kills landed during a compaction (${killedMidway})`);
  for (const step of ['merging', 'merged', 'detoured', 'swapped']) {
    await load(200 + ids);
    await load(300 + ids);
    const child = weir(dir, ['compact', '--min-files', '2'], { WEIR_TEST_COMPACT_CRASH: step });
    const { signal } = await exit(child);
    assert.equal(signal, 'SIGKILL', `killed at step ${step}: ${child.out()}`);
    await check(`a crash at step ${step}`);
  }
  await ok(dir, ['compact', '--min-files', '2']);
  await check('the last compaction');
  assert.deepEqual(await leftovers(dir), [], 'no orphans: every compaction finished and cleaned up');
  for (const table of ['pq', 'js'])
    for (const [p, f] of await filesPerPartition(join(dir, 'warehouse', 'g.db', table)))
      assert.equal(f.files, 1, `${table} ${p}: merged into one file`);
});
