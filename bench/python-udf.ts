// Records/s through a small Python postprocess UDF, batch size 1,000, and how the JS↔Python
// crossing is paid: once per batch (JSON text each way, or CPython marshal bytes as
// src/udf/python-host.ts sends them) or once per record (toPy / toJs proxies).
// Run: node bench/python-udf.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPyodide } from 'pyodide';
import { parseWithBigInt, stringifyWithBigInt } from '../src/udf/json-bigint.ts';
import { MarshalWriter, readMarshal } from '../src/udf/marshal.ts';
import { loadPythonUdf } from '../src/udf/python.ts';

const BATCH = 1000;
const ROUNDS = 21;
const UDF = 'def enrich(record):\n    record["level_band"] = record["role_level"] // 10\n    return record\n';

const batch = Array.from({ length: BATCH }, (_, i) => ({
  log_time: `2026-11-25 10:00:${String(i % 60).padStart(2, '0')}`,
  log_type: 'LoginRole',
  server_id: 7,
  role_id: 100000 + i,
  role_level: i % 90,
  device: { os: i % 2 ? 'android' : 'ios', model: 'Pixel 9' },
  tags: ['new', 'vip'],
}));

function report(label: string, batchMs: number): void {
  const perSecond = Math.round(BATCH / (batchMs / 1000));
  console.log(`${label.padEnd(44)} ${perSecond.toLocaleString('en-US').padStart(9)} records/s`);
}

/** Median time of one batch (the machine is shared, so the median, not the mean). */
async function timed(run: () => Promise<unknown> | unknown): Promise<number> {
  await run(); // warm-up
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] as number;
}

// In-process, to compare the two crossings without the worker hop.
const py = await loadPyodide({ stdout: () => {}, stderr: () => {} });
py.runPython(`${UDF}
import json, marshal
_enc = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode
def run_batch(payload):
    return _enc([{"ok": True, "value": enrich(r)} for r in json.loads(payload)])
def run_marshal(payload):
    return marshal.dumps([enrich(r) for r in marshal.loads(payload.to_bytes())], 2)
`);
const runBatch = py.globals.get('run_batch') as (payload: string) => string;
const runMarshal = py.globals.get('run_marshal') as (payload: Uint8Array) => {
  toJs(): Uint8Array;
  destroy(): void;
};
const enrich = py.globals.get('enrich') as (record: unknown) => { toJs(o: object): unknown; destroy(): void };

report(
  'in-process, one JSON crossing per batch',
  await timed(() => parseWithBigInt(runBatch(stringifyWithBigInt(batch)))),
);
report(
  'in-process, one marshal crossing per batch',
  await timed(() => {
    const writer = new MarshalWriter();
    const list = writer.startList();
    for (const record of batch) writer.value(record);
    writer.endList(list, batch.length);
    const answer = runMarshal(writer.written());
    const value = readMarshal(answer.toJs());
    answer.destroy();
    return value;
  }),
);
report(
  'in-process, one proxy crossing per record',
  await timed(() =>
    batch.map((record) => {
      const arg = py.toPy(record);
      const result = enrich(arg);
      const value = result.toJs({ dict_converter: Object.fromEntries });
      result.destroy();
      arg.destroy();
      return value;
    }),
  ),
);

const dir = mkdtempSync(join(tmpdir(), 'weir-bench-'));
try {
  writeFileSync(join(dir, 'enrich.py'), UDF);
  const runner = await loadPythonUdf('enrich.py#enrich', 'postprocess', { projectDir: dir });
  report('loadPythonUdf runner (worker thread, batch)', await timed(() => runner.call(batch)));
  await runner.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
