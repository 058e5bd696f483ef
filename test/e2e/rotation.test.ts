// Log rotation under --follow (src/connectors/files/follow.ts): a writer keeps appending while the
// log is rotated by copytruncate (copy, then truncate in place) and by rename (the writer reopens
// the name, after a few more lines into the renamed file). Every line must load exactly once, with
// no fragment error records, also when the run is SIGKILLed right around a rotation and restarted.
// Rows are read back by DuckDB.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, ftruncateSync, openSync, renameSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const CONFIG = `
warehouse: ./warehouse
checkpoint: { interval_seconds: 0.2 }
sources:
  events:
    files: { path: "data/app.log*", follow: true }
tables:
  t:
    source: events
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL, pad: STRING }
sinks:
  t: { table: t, hive: { database: db, format: parquet } }
`;

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** An application writing `app.log` through an O_APPEND descriptor, whole lines per write. */
class Writer {
  next = 0;
  private fd: number;
  private rotations = 0;
  private readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
    this.fd = openSync(this.log, 'a');
  }
  get log(): string {
    return join(this.dir, 'data', 'app.log');
  }
  write(n: number): void {
    let text = '';
    for (let i = 0; i < n; i++) text += `{"id":${this.next++},"pad":"${'x'.repeat(this.next % 40)}"}\n`;
    writeSync(this.fd, text);
  }
  /** logrotate copytruncate: copy the log away, then truncate it; the writer goes on unaware. */
  copytruncate(): void {
    copyFileSync(this.log, `${this.log}.${++this.rotations}`);
    ftruncateSync(this.fd, 0);
  }
  /** logrotate create: rename the log; the writer writes a little more, then reopens the name. */
  rename(): void {
    renameSync(this.log, `${this.log}.${++this.rotations}`);
    this.write(7);
    closeSync(this.fd);
    this.fd = openSync(this.log, 'a');
  }
  close(): void {
    closeSync(this.fd);
  }
}

async function project(): Promise<{ dir: string; writer: Writer }> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-rotation-'));
  dirs.push(dir);
  await mkdir(join(dir, 'data'));
  await writeFile(join(dir, 'weir.yaml'), CONFIG);
  return { dir, writer: new Writer(dir) };
}

function follow(dir: string): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, 'run', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  return { child, exited: new Promise((r) => child.on('exit', (code) => r(code))), stderr: () => err };
}

async function rows(dir: string): Promise<{ n: number; distinct: number; max: number }> {
  const conn = await openWarehouse(join(dir, 'warehouse'));
  try {
    const [r] = (
      await conn.runAndReadAll('SELECT count(*) AS n, count(DISTINCT id) AS d, max(id) AS m FROM db.t')
    ).getRowObjectsJson();
    return { n: Number(r!.n), distinct: Number(r!.d), max: Number(r!.m ?? -1) };
  } catch {
    return { n: 0, distinct: 0, max: -1 }; // not registered yet
  } finally {
    conn.closeSync();
  }
}

async function errorRecords(dir: string): Promise<unknown[]> {
  const store = join(dir, 'warehouse', '_errors');
  if (!existsSync(store)) return [];
  const conn = await openWarehouse(join(dir, 'warehouse'));
  try {
    return (
      await conn.runAndReadAll(
        `SELECT code, message, raw FROM read_json('${store}/*/*/part-*', hive_partitioning = true)`,
      )
    ).getRowObjectsJson();
  } catch {
    return [];
  } finally {
    conn.closeSync();
  }
}

/** Waits until `n` rows are in, then stops the run with SIGTERM; returns the rows and error records. */
async function finish(dir: string, run: ReturnType<typeof follow>, n: number) {
  let got = await rows(dir);
  for (let i = 0; i < 150 && got.n < n; i++) {
    await sleep(200);
    got = await rows(dir);
  }
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.stderr());
  return { rows: await rows(dir), errors: await errorRecords(dir) };
}

/** Writes `lines` lines in small writes, running `rotate` after each `every` lines. */
async function writeFor(
  writer: Writer,
  lines: number,
  every: number,
  rotate: (k: number) => Promise<void> | void,
) {
  for (let k = 1; writer.next < lines; ) {
    writer.write(20);
    await sleep(4);
    if (writer.next >= k * every && writer.next < lines) await rotate(k++);
  }
}

test('copytruncate while the writer appends: every line once, no fragments', async () => {
  const { dir, writer } = await project();
  writer.write(500);
  const run = follow(dir);
  const N = 6000;
  await writeFor(writer, N, 1400, () => writer.copytruncate());
  writer.close();
  const total = writer.next;
  const { rows: got, errors } = await finish(dir, run, total);
  assert.deepEqual(errors, []);
  assert.deepEqual(got, { n: total, distinct: total, max: total - 1 });
});

test('rename rotation while the writer appends: the old file is finished, the new one read from 0', async () => {
  const { dir, writer } = await project();
  writer.write(500);
  const run = follow(dir);
  const N = 6000;
  await writeFor(writer, N, 1400, () => writer.rename());
  writer.close();
  const total = writer.next;
  const { rows: got, errors } = await finish(dir, run, total);
  assert.deepEqual(errors, []);
  assert.deepEqual(got, { n: total, distinct: total, max: total - 1 });
});

test('SIGKILL around rotations (both kinds), then restart: every line once', async () => {
  const { dir, writer } = await project();
  writer.write(500);
  let run = follow(dir);
  const kill = async () => {
    run.child.kill('SIGKILL');
    await run.exited;
  };
  for (let k = 0; k < 6; k++) {
    // The run is mid-stream: it has committed most of what was written, and the writer goes on.
    for (let i = 0; i < 100 && (await rows(dir)).n < writer.next - 300; i++) {
      writer.write(20);
      await sleep(50);
    }
    for (let i = 0; i < 10; i++) {
      writer.write(20);
      await sleep(4);
    }
    // Killed just before, just after, or a little after the rotation; restarted at once.
    if (k % 3 === 0) await kill();
    if (k % 2 === 0) writer.rename();
    else writer.copytruncate();
    if (k % 3 === 1) await kill();
    if (k % 3 === 2) {
      writer.write(30);
      await sleep(150);
      await kill();
    }
    writer.write(40);
    run = follow(dir);
  }
  writer.write(100);
  writer.close();
  const total = writer.next;
  const { rows: got, errors } = await finish(dir, run, total);
  assert.deepEqual(errors, []);
  assert.deepEqual(got, { n: total, distinct: total, max: total - 1 });
});
