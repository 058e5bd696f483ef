import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { MarshalWriter, readMarshal } from './marshal.ts';
import { decodeBatch, encodeBatch } from './python-host.ts';

const tmp = mkdtempSync(join(tmpdir(), 'weir-python-host-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('a batch is one marshal list of the records that can be sent; a cyclic record fails alone', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const records = [{ a: 'x\ny', n: 2n ** 64n }, cyclic, { a: 'ゲーム', n: 1 }];
  const { payload, sent, unsendable } = encodeBatch(records);
  assert.deepEqual(readMarshal(payload), [records[0], records[2]]);
  assert.deepEqual(sent, [0, 2]);
  assert.equal(unsendable.get(1)?.ok, false);
  assert.match(
    (unsendable.get(1) as { message: string }).message,
    /^the record cannot be passed to Python: /,
  );
});

test('outcome 0 is the input itself; changed records are read from their own marshal bytes', () => {
  const inputs = [{ keep: true }, { id: 1 }, { x: 1 }, { y: 1 }];
  const changed = new MarshalWriter();
  changed.value({ id: 12345678901234567890n });
  const nan = new Uint8Array([0x67, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f]); // marshal of float('nan')
  const error = { ok: false, code: 'UDF', errorClass: 'KeyError', message: "'k'" };
  // (outcomes, counters, memory_error), with the outcomes' bytes written as Python bytes ('s').
  const bytesOf = (b: Uint8Array) => [0x73, ...new Uint8Array(new Int32Array([b.length]).buffer), ...b];
  const head = [0x29, 3, 0x5b, ...new Uint8Array(new Int32Array([4]).buffer)];
  const tail = new MarshalWriter();
  tail.value(error);
  tail.value({ n: 2 });
  tail.value(false);
  const data = new Uint8Array([
    0x69,
    0,
    0,
    0,
    0,
    ...bytesOf(changed.written()),
    ...bytesOf(nan),
    ...tail.written(),
  ]);
  const result = decodeBatch(new Uint8Array([...head, ...data]), inputs);
  assert.equal(result.outcomes[0]?.ok && result.outcomes[0].value, inputs[0]);
  assert.deepEqual(result.outcomes[1], { ok: true, value: { id: 12345678901234567890n } });
  assert.deepEqual(result.outcomes[2], {
    ok: false,
    code: 'UDF',
    errorClass: 'ValueError',
    message: 'the returned value cannot be passed on: Out of range float values are not JSON compliant: nan',
  });
  assert.deepEqual(result.outcomes[3], error);
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
