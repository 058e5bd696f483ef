// Two `weir run` of one files-source project at once used to load every file twice (+82% rows):
// the second now refuses, naming the first, and the rows are exact (read back by DuckDB).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const lines = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `{"id":${from + i}}\n`).join('');

test('a second weir run of a running files project refuses to start; rows are exact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-lock-e2e-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'data'));
  writeFileSync(
    join(dir, 'weir.yaml'),
    `warehouse: ./warehouse
checkpoint: { interval_seconds: 0.2 }
sources:
  s: { files: { path: "data/*.log" } }
tables:
  t: { source: s, parser: { json: {} }, schema: { id: BIGINT NOT NULL } }
sinks:
  t: { table: t, hive: { database: db, format: parquet } }
`,
  );
  writeFileSync(join(dir, 'data', 'a.log'), lines(0, 5000));
  const first = spawn(process.execPath, [CLI, 'run', dir, '--follow'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((done) => first.on('exit', (code) => done(code)));
  let err = '';
  first.stderr.on('data', (d) => {
    err += d;
  });
  const lock = join(dir, 'warehouse', '_weir', 'checkpoints', 's', 'run.lock');
  const holder = () => {
    try {
      return JSON.parse(readFileSync(lock, 'utf8')).pid;
    } catch {
      return undefined;
    }
  };
  for (let i = 0; i < 150 && holder() !== first.pid; i++) await sleep(100);
  assert.equal(holder(), first.pid, err);
  const second = spawnSync(process.execPath, [CLI, 'run', dir], { encoding: 'utf8' });
  assert.equal(second.status, 3, second.stderr);
  assert.match(
    second.stderr,
    new RegExp(
      `another weir run of this project is already running \\(process ${first.pid} on .*, running since`,
    ),
  );
  appendFileSync(join(dir, 'data', 'a.log'), lines(5000, 1000));
  await sleep(1500);
  first.kill('SIGTERM');
  assert.equal(await exited, 0, err);

  // With the first stopped, a run starts again (and finds nothing new).
  const third = spawnSync(process.execPath, [CLI, 'run', dir], { encoding: 'utf8' });
  assert.equal(third.status, 0, third.stderr);
  const conn = await openWarehouse(join(dir, 'warehouse'));
  const r = (
    await conn.runAndReadAll('SELECT count(*) AS n, count(DISTINCT id) AS d FROM db.t')
  ).getRowObjectsJson();
  assert.deepEqual([Number(r[0]!.n), Number(r[0]!.d)], [6000, 6000]);
  conn.closeSync();
});
