// One run per file source (src/runtime/lock.ts): two `weir run` of one project started together
// load every record once (the second refuses, naming the first); a SIGKILLed run does not keep
// the next one out. Rows are read back by DuckDB.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI, idLines, idProject, idRows } from './id-project.ts';

async function project(records: number): Promise<string> {
  return idProject({ 'data/a.log': idLines(0, records) });
}

function weirRun(dir: string, ...args: string[]) {
  const child = spawn(process.execPath, [CLI, 'run', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr })),
  );
  return { child, done };
}

const rows = idRows;

test('two runs of one project started together: one loads everything once, the other refuses', {
  timeout: 120_000,
}, async () => {
  const N = 200_000;
  const dir = await project(N);
  // --follow: the winner keeps the lock until stopped, so a loaded machine cannot let one run end
  // before the other starts (both would then rightly succeed).
  const a = weirRun(dir, '--follow');
  const b = weirRun(dir, '--follow');
  try {
    const first = await Promise.race([
      a.done.then((r) => ({ r, winner: b })),
      b.done.then((r) => ({ r, winner: a })),
    ]);
    assert.equal(first.r.code, 1, first.r.stderr);
    // The winner is named by pid, or as just starting when it has not yet written who it is.
    assert.match(
      first.r.stderr,
      new RegExp(
        `source "events" of project .* is already being run by another weir run \\((pid ${first.winner.child.pid} on .*, running since \\d{4}-|just starting\\))`,
      ),
    );
    for (let i = 0; i < 300 && (await rows(dir).catch(() => ({ n: 0 }))).n < N; i++) await sleep(200);
    first.winner.child.kill('SIGTERM');
    const won = await first.winner.done;
    assert.equal(won.code, 0, won.stderr);
    assert.deepEqual(await rows(dir), { n: N, distinct: N, max: N - 1 });
  } finally {
    // A failed assertion must not leave a following run behind (it would keep the test file alive).
    a.child.kill('SIGKILL');
    b.child.kill('SIGKILL');
  }
});

test('a SIGKILLed run does not keep the next one out; rows stay exact', async () => {
  const dir = await project(1000);
  const a = weirRun(dir, '--follow');
  for (let i = 0; i < 100; i++) {
    await sleep(200);
    if ((await rows(dir).catch(() => ({ n: 0 }))).n === 1000) break;
  }
  await appendFile(join(dir, 'data', 'a.log'), idLines(1000, 500));
  await sleep(100);
  a.child.kill('SIGKILL');
  await a.done;
  const b = weirRun(dir);
  const { code, stderr } = await b.done;
  assert.equal(code, 0, stderr);
  assert.deepEqual(await rows(dir), { n: 1500, distinct: 1500, max: 1499 });
});
