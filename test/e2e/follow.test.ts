// --follow tails growing files until SIGTERM (final checkpoint, clean exit); stdin is a source too.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { latestManifest } from '../../src/runtime/checkpoint.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

function project(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'weir-follow-'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(
    join(dir, 'weir.yaml'),
    `warehouse: ./warehouse
checkpoint: { interval_seconds: 0.2 }
sources:
  s: ${source}
tables:
  t:
    source: s
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL }
sinks:
  t: { table: t, hive: { database: db, format: parquet } }
`,
  );
  return dir;
}

function count(dir: string): number {
  const r = spawnSync(process.execPath, [CLI, 'sql', dir, 'SELECT count(*) AS n FROM db.t', '--json'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return -1; // not registered yet
  return Number(JSON.parse(r.stdout.trim().split('\n')[0]).n);
}

const lines = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `{"id":${from + i}}`).join('\n') + '\n';

test('--follow picks up appended lines and new files; SIGTERM takes a final checkpoint', async () => {
  const dir = project('{ files: { path: "data/*.log" } }');
  writeFileSync(join(dir, 'data', 'a.log'), lines(0, 100));
  const child = spawn(process.execPath, [CLI, 'run', dir, '--follow'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (n: number) => {
    for (let i = 0; i < 100 && count(dir) < n; i++) await sleep(200);
    return count(dir);
  };
  assert.equal(await waitFor(100), 100);
  appendFileSync(join(dir, 'data', 'a.log'), lines(100, 50));
  writeFileSync(join(dir, 'data', 'b.log'), lines(150, 25));
  // A half-written last line is not read until its newline arrives.
  appendFileSync(join(dir, 'data', 'a.log'), '{"id":17');
  assert.equal(await waitFor(175), 175);
  appendFileSync(join(dir, 'data', 'a.log'), '5}\n');
  assert.equal(await waitFor(176), 176);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.match(out, /read 176 records/);
  // Idle stretches take no checkpoints: only batches that read something (and the final one) do.
  const manifest = (await latestManifest(join(dir, 'warehouse', '_weir', 'checkpoints'), 's', 0))!;
  assert.ok(manifest.epoch <= 12, `${manifest.epoch} checkpoints for 5 appends`);
});

test('stdin is a source: records piped in are loaded', () => {
  const dir = project('{ stdin: {} }');
  const r = spawnSync(process.execPath, [CLI, 'run', dir], { input: lines(0, 42), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(count(dir), 42);
});
