// weir backfill as a user runs it: a derive bug loaded wrong values; after the fix, a backfill of
// two of three day partitions makes them equal the truth (read back by DuckDB through the
// catalog) and leaves the third alone. A reader querying a partition during the swap sees the old
// sum or the new, nothing else. Rollback, finalize, rollback after finalize and purge keep the
// data readers see exact; a backfill SIGKILLed while loading, then run again, is exact; a live
// weir run makes it refuse.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import { CLI, idProject } from './id-project.ts';

const DAYS = ['2026-11-25', '2026-11-26', '2026-11-27'];

const config = (usd: string, follow = false) => `warehouse: ./warehouse
checkpoint: { interval_seconds: 0.2 }
sources:
  events: { files: { path: "data/*.log"${follow ? ', follow: true' : ''} } }
tables:
  pay:
    source: events
    parser: { json: {} }
    extend: [{ derive: { usd: "${usd}" } }]
    schema: { id: BIGINT NOT NULL, day: STRING NOT NULL, usd: BIGINT }
sinks:
  pay: { table: pay, hive: { database: db, format: parquet, partitioned_by: [day] } }
`;
const BUG = 'amount * 10';
const FIX = 'amount';

const lines = (n: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, day: DAYS[i % 3], amount: i })).join('\n') +
  '\n';

/** Sum of `amount` per day, as the fixed and the buggy config load it. */
function truth(n: number, factor: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) out[DAYS[i % 3]!] = (out[DAYS[i % 3]!] ?? 0) + i * factor;
  return out;
}

const weir = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

async function sums(dir: string): Promise<Record<string, number>> {
  const conn = await openWarehouse(join(dir, 'warehouse'));
  try {
    const rows = (
      await conn.runAndReadAll(
        'SELECT day, count(*) AS n, sum(usd) AS s FROM db.pay GROUP BY day ORDER BY day',
      )
    ).getRowObjectsJson();
    return Object.fromEntries(rows.map((r) => [String(r.day), Number(r.s)]));
  } finally {
    conn.closeSync();
  }
}

const backfillArgs = (dir: string) => [
  'backfill',
  dir,
  '--table',
  'pay',
  '--partitions',
  'day=2026-11-25..2026-11-26',
  '--input',
  'data/*.log',
];
const lastId = (dir: string) => {
  const list = weir(['backfill', dir, '--list']).stdout.trim().split('\n').slice(1);
  return list
    .map((l) => l.trim().split(/\s+/))
    .sort((a, b) => a[4]!.localeCompare(b[4]!))
    .at(-1)![0]!;
};

test('backfill swaps the rebuilt partitions in; rollback, finalize and purge keep what readers see exact', async () => {
  const N = 3000;
  const dir = await idProject({ 'data/a.log': lines(N) }, config(BUG));
  assert.equal(weir(['run', dir]).status, 0);
  const wrong = truth(N, 10);
  const right = truth(N, 1);
  assert.deepEqual(await sums(dir), wrong);
  await writeFile(join(dir, 'weir.yaml'), config(FIX));

  // A reader querying one partition while the backfill runs and swaps.
  const seen = new Set<number>();
  let reading = true;
  const reader = (async () => {
    while (reading) {
      seen.add((await sums(dir))['2026-11-25']!);
      await sleep(5);
    }
  })();
  const b = spawn(process.execPath, [CLI, ...backfillArgs(dir)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  b.stdout.on('data', (d) => (out += d));
  b.stderr.on('data', (d) => (out += d));
  const code = await new Promise((done) => b.once('exit', done));
  await sleep(100);
  reading = false;
  await reader;
  assert.equal(code, 0, out);
  assert.match(out, /ALTER TABLE db\.pay PARTITION \(day='2026-11-25'\) SET LOCATION 'file:\/\//);
  assert.deepEqual(
    [...seen].sort(),
    [right['2026-11-25'], wrong['2026-11-25']].sort(),
    'only the old or the new sum',
  );
  const expected = { ...wrong, '2026-11-25': right['2026-11-25']!, '2026-11-26': right['2026-11-26']! };
  assert.deepEqual(await sums(dir), expected, 'the two partitions rebuilt, the third untouched');

  const first = lastId(dir);
  assert.equal(weir(['backfill', dir, '--rollback', first]).status, 0);
  assert.deepEqual(await sums(dir), wrong, 'rolled back: the old data');
  assert.equal(weir(['backfill', dir, '--purge', first]).status, 0);
  assert.deepEqual(await sums(dir), wrong, 'purging a rolled-back backfill removes nothing in use');

  assert.equal(weir(backfillArgs(dir)).status, 0);
  const second = lastId(dir);
  assert.notEqual(second, first);
  const fin = weir(['backfill', dir, '--finalize', second]);
  assert.equal(fin.status, 0, fin.stderr);
  assert.deepEqual(await sums(dir), expected, 'finalized: the same rows, home again');
  const refused = weir(['backfill', dir, '--purge', 'nope']);
  assert.equal(refused.status, 2);
  assert.equal(weir(['backfill', dir, '--rollback', second]).status, 0);
  assert.deepEqual(await sums(dir), wrong, 'a finalized backfill rolls back too');
  assert.equal(weir(['backfill', dir, '--purge', second]).status, 0);
  assert.deepEqual(await sums(dir), wrong);
});

test('a backfill SIGKILLed while loading, then run again, is exact; a live weir run makes it refuse', async () => {
  const N = 60_000;
  const dir = await idProject({ 'data/a.log': lines(N) }, config(BUG));
  assert.equal(weir(['run', dir]).status, 0);
  await writeFile(join(dir, 'weir.yaml'), config(FIX));
  let kills = 0;
  for (let attempt = 0; attempt < 6 && kills < 3; attempt++) {
    const p = spawn(process.execPath, [CLI, ...backfillArgs(dir)], {
      stdio: 'ignore',
      env: { ...process.env, WEIR_TEST_BATCH_DELAY_MS: '150' },
    });
    const exited = new Promise<unknown>((done) => p.once('exit', (c, s) => done(c ?? s)));
    // Early enough that the load (about 5 s with this delay) is never done before the third kill.
    await sleep(800 + Math.floor(Math.random() * 700));
    p.kill('SIGKILL');
    if ((await exited) === 'SIGKILL') kills++;
    else break; // it finished: a further attempt would be a second backfill
  }
  assert.ok(kills >= 3, `killed ${kills} times`);
  const done = weir(backfillArgs(dir));
  assert.equal(done.status, 0, done.stderr);
  const wrong = truth(N, 10);
  const right = truth(N, 1);
  assert.deepEqual(await sums(dir), {
    ...wrong,
    '2026-11-25': right['2026-11-25']!,
    '2026-11-26': right['2026-11-26']!,
  });
  assert.equal(
    weir(['backfill', dir, '--list']).stdout.match(/swapped/g)?.length,
    1,
    'one backfill, resumed',
  );

  // A live run of the project: its job may still write the partitions.
  await writeFile(join(dir, 'weir.yaml'), config(FIX, true));
  const run = spawn(process.execPath, [CLI, 'run', dir], { stdio: 'ignore' });
  try {
    await sleep(2500);
    const r = weir(backfillArgs(dir));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /a weir run of this project is running .* --include-live/);
  } finally {
    run.kill('SIGTERM');
    await new Promise((d) => run.once('exit', d));
  }
});

test('a filter that sent rows to the wrong table: after the fix, a backfill makes the table the truth', async () => {
  const filterConfig = (keyword: string) => `warehouse: ./warehouse
sources:
  events: { files: { path: "data/*.log" } }
tables:
  login:
    source: events
    filter: { contains: ['${keyword}'] }
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL, day: STRING NOT NULL }
  logout:
    source: events
    filter: { contains: ['"kind":"logout"'] }
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL, day: STRING NOT NULL }
sinks:
  login: { table: login, hive: { database: db, format: json, partitioned_by: [day] } }
  logout: { table: logout, hive: { database: db, format: json, partitioned_by: [day] } }
`;
  const N = 900;
  const input = Array.from({ length: N }, (_, i) =>
    JSON.stringify({ id: i, day: DAYS[i % 3], kind: i % 2 === 0 ? 'login' : 'logout' }),
  ).join('\n');
  // The bug: '"kind":"log' also matches logouts.
  const dir = await idProject({ 'data/a.log': `${input}\n` }, filterConfig('"kind":"log'));
  assert.equal(weir(['run', dir]).status, 0);
  const count = async () => {
    const conn = await openWarehouse(join(dir, 'warehouse'));
    try {
      const [r] = (
        await conn.runAndReadAll(
          'SELECT count(*) AS n, count(*) FILTER (WHERE id % 2 = 1) AS wrong FROM db.login',
        )
      ).getRowObjectsJson();
      return [Number(r!.n), Number(r!.wrong)];
    } finally {
      conn.closeSync();
    }
  };
  assert.deepEqual(await count(), [N, N / 2], 'logouts in the login table');
  await writeFile(join(dir, 'weir.yaml'), filterConfig('"kind":"login"'));
  const r = weir([
    'backfill',
    dir,
    '--table',
    'login',
    '--partitions',
    `day=${DAYS[0]}..${DAYS[2]}`,
    '--input',
    'data/*.log',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(await count(), [N / 2, 0], 'only the logins');
});

test('a backfill that crashed after swapping, run again, still rolls back to the old data', async () => {
  const N = 300;
  const dir = await idProject({ 'data/a.log': lines(N) }, config(BUG));
  assert.equal(weir(['run', dir]).status, 0);
  await writeFile(join(dir, 'weir.yaml'), config(FIX));
  assert.equal(weir(backfillArgs(dir)).status, 0);
  // As if the process died after the swap, before it recorded the step.
  const id = lastId(dir);
  const file = join(dir, 'warehouse', '_weir', 'backfills', `${id}.json`);
  const state = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, JSON.stringify({ ...state, step: 'loading' }));
  const again = weir(backfillArgs(dir));
  assert.equal(again.status, 0, again.stderr);
  assert.equal(lastId(dir), id, 'the same backfill, resumed');
  assert.equal(weir(['backfill', dir, '--rollback', id]).status, 0);
  assert.deepEqual(await sums(dir), truth(N, 10), 'the old data, not the staged copy');
});
