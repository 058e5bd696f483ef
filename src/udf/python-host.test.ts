import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { decodeBatch, encodeBatch } from './python-host.ts';

const tmp = mkdtempSync(join(tmpdir(), 'weir-python-host-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('a batch is one JSON array with one record per line; records JSON cannot hold fail alone', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const { payload, sent, unsendable } = encodeBatch([{ a: 'x\ny', n: 2n ** 64n }, cyclic, 'ゲーム']);
  const text = new TextDecoder().decode(payload);
  assert.equal(text, '[{"a":"x\\ny","n":18446744073709551616},\n"ゲーム"]');
  assert.deepEqual(sent, [0, 2]);
  assert.equal(unsendable.get(1)?.ok, false);
});

test('outcome 0 is the input itself; other outcomes are read with big integers exact', () => {
  const inputs = [{ keep: true }, { id: 1 }];
  const answer = new TextEncoder().encode(
    '{"outcomes":[0,{"ok":true,"value":{"id":12345678901234567890}}],"counters":{"n":2},"memoryError":false}',
  );
  const result = decodeBatch(answer, inputs);
  assert.equal(result.outcomes[0]?.ok && result.outcomes[0].value, inputs[0]);
  assert.deepEqual(result.outcomes[1], { ok: true, value: { id: 12345678901234567890n } });
  assert.deepEqual(result.counters, { n: 2 });
  assert.equal(result.memoryError, false);
});

// Each run is a new process: the snapshot held in memory by a process does not count here.
const child = `
import { PythonHost } from ${JSON.stringify(new URL('./python-host.ts', import.meta.url).href)};
const host = new PythonHost(process.argv[2], { snapshotFile: process.argv[3] });
await host.load({ path: 'udf/post.py', dir: 'udf', module: 'post', func: 'identity', kind: 'postprocess' });
process.stdout.write(String(host.startedFrom));
host.stop();
`;

async function startedFrom(file: string): Promise<string> {
  const project = join(import.meta.dirname, 'testdata', 'python-project');
  const run = promisify(execFile);
  const script = join(tmp, 'start.mjs');
  writeFileSync(script, child);
  const { stdout } = await run(process.execPath, [script, project, file]);
  return stdout.trim();
}

test('a process starts Python from the snapshot file; a bad file is replaced by a good one', async () => {
  const file = join(tmp, 'pyodide.snapshot');
  writeFileSync(file, 'not a snapshot');
  assert.equal(await startedFrom(file), 'fresh');
  assert.ok(statSync(file).size > 1_000_000, 'the bad file was replaced');
  assert.equal(await startedFrom(file), 'file');
});
