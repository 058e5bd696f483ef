// The Kafka source with `format: avro` reads logical types as their exact values: decimals,
// dates and timestamps in millis and micros, from Weir's own Avro sink and from Confluent's
// AvroSerializer (confluent-kafka for Python, from PyPI), through `weir serve` as the registry.
// DuckDB reads what landed in the warehouse. Before, decimals arrived ×10^scale (1.01 → 101.00),
// micros were read as millis (CAST errors) and dates as epoch seconds (1970-01-01).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTopic } from '../../src/connectors/kafka/admin.ts';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import { pythonEnv, runPython } from '../readers/python-env.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import { CLI, writeProject } from './fixtures.ts';
import { uniqueName } from './helpers.ts';

let broker: TestBroker;
let server: ChildProcess | undefined;
const dirs: string[] = [];
before(async () => {
  broker = await ensureBroker();
});
after(async () => {
  server?.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  await broker?.stop();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const SCHEMA = `
      id: BIGINT NOT NULL
      amount: DECIMAL(20, 2)
      at_ms: TIMESTAMP_LTZ(3)
      at_us: TIMESTAMP_LTZ(6)
      wall: TIMESTAMP(6)
      day: DATE
      note: STRING`;

// Values chosen where a wrong unit or scale shows: a decimal beyond a double's digits, a
// timestamp with micros, a date before the epoch, a null.
const INPUT = [
  {
    id: 1,
    amount: '123456789012345678.91',
    at_ms: '2025-11-25T10:00:01.123Z',
    at_us: '2025-11-25T10:00:01.123456Z',
    wall: '2025-11-25 18:00:01.000001',
    day: '1969-07-20',
    note: 'first',
  },
  {
    id: 2,
    amount: '-0.05',
    at_ms: '1969-12-31T23:59:59.999Z',
    at_us: null,
    wall: null,
    day: null,
    note: null,
  },
];

// What DuckDB shows for the rows above, however they travelled.
const EXPECTED = [
  {
    id: '1',
    amount: '123456789012345678.91',
    at_ms: '2025-11-25 10:00:01.123+00',
    at_us: '2025-11-25 10:00:01.123456+00',
    wall: '2025-11-25 18:00:01.000001',
    day: '1969-07-20',
    note: 'first',
  },
  {
    id: '2',
    amount: '-0.05',
    at_ms: '1969-12-31 23:59:59.999+00',
    at_us: null,
    wall: null,
    day: null,
    note: null,
  },
];

async function startRegistry(dir: string): Promise<string> {
  const port = await freePort();
  server = spawn(process.execPath, [CLI, 'serve', dir, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  server.stdout!.on('data', (d) => (out += d));
  server.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${url}/subjects`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return url;
    await sleep(100);
  }
  throw new Error(`weir serve did not start:\n${out}`);
}

function weir(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `weir ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

async function warehouseRows(project: Awaited<ReturnType<typeof writeProject>>['project'], table: string) {
  const conn = await openWarehouse(project.warehouse);
  try {
    const sql = `SELECT id::VARCHAR AS id, amount::VARCHAR AS amount, at_ms::VARCHAR AS at_ms, at_us::VARCHAR AS at_us,
      wall::VARCHAR AS wall, day::VARCHAR AS day, note FROM ${table} ORDER BY id`;
    return (await conn.runAndReadAll(sql)).getRowObjectsJson();
  } finally {
    conn.closeSync();
  }
}

/** A project reading the Avro topic into a Parquet table `avro_in.<table>`. */
async function readerProject(topic: string, registry: string, table: string) {
  const p = await writeProject(`
sources:
  rt:
    kafka: { brokers: [${broker.brokers.join(',')}], topic: ${topic}, group: ${uniqueName('g')}, format: avro, registry: "${registry}" }
tables:
  ${table}:
    source: rt
    parser: { json: {} }
    schema:${SCHEMA}
sinks:
  ${table}_wh:
    table: ${table}
    hive: { database: avro_in, format: parquet }
`);
  dirs.push(p.dir);
  return p;
}

test("Weir's Avro sink → Weir's Avro source: the same values land in the warehouse", async () => {
  const topic = uniqueName('avro-src');
  await createTopic(broker.brokers, topic, 1);
  const writer = await writeProject(`
sources:
  game: { files: { path: in.log } }
tables:
  pay:
    source: game
    parser: { json: {} }
    schema:${SCHEMA}
sinks:
  pay_rt:
    table: pay
    kafka: { brokers: [${broker.brokers.join(',')}], topic: ${topic}, format: avro, registry: "REGISTRY" }
`);
  dirs.push(writer.dir);
  await writeFile(join(writer.dir, 'in.log'), `${INPUT.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const registry = await startRegistry(writer.dir);
  const yaml = join(writer.dir, 'weir.yaml');
  await writeFile(yaml, (await readFile(yaml, 'utf8')).replace('REGISTRY', registry));
  weir(['run', writer.dir]);

  const reader = await readerProject(topic, registry, 'pay');
  const run = weir(['run', reader.dir, '--until-end']);
  assert.match(run.stdout, /pay_wh .* 2 +2 +0 +0/, run.stdout);
  assert.deepEqual(await warehouseRows(reader.project, 'avro_in.pay_wh'), EXPECTED);
});

const PRODUCE = `
import sys, json, datetime, decimal
from confluent_kafka import SerializingProducer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer

brokers, topic, registry = sys.argv[1:4]
def opt(t): return ["null", t]
schema = {
  "type": "record", "name": "pay", "namespace": "game",
  "fields": [
    {"name": "id", "type": "long"},
    {"name": "amount", "type": opt({"type": "bytes", "logicalType": "decimal", "precision": 20, "scale": 2})},
    {"name": "at_ms", "type": opt({"type": "long", "logicalType": "timestamp-millis"})},
    {"name": "at_us", "type": opt({"type": "long", "logicalType": "timestamp-micros"})},
    {"name": "wall", "type": opt({"type": "long", "logicalType": "local-timestamp-micros"})},
    {"name": "day", "type": opt({"type": "int", "logicalType": "date"})},
    {"name": "note", "type": opt("string")},
  ],
}
utc = datetime.timezone.utc
rows = [
  {"id": 1, "amount": decimal.Decimal("123456789012345678.91"),
   "at_ms": datetime.datetime(2025, 11, 25, 10, 0, 1, 123000, tzinfo=utc),
   "at_us": datetime.datetime(2025, 11, 25, 18, 0, 1, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
   "wall": datetime.datetime(2025, 11, 25, 18, 0, 1, 1),
   "day": datetime.date(1969, 7, 20), "note": "first"},
  {"id": 2, "amount": decimal.Decimal("-0.05"),
   "at_ms": datetime.datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=utc),
   "at_us": None, "wall": None, "day": None, "note": None},
]
ser = AvroSerializer(SchemaRegistryClient({"url": registry}), json.dumps(schema))
p = SerializingProducer({"bootstrap.servers": brokers, "value.serializer": ser})
for r in rows:
  p.produce(topic, value=r)
p.flush(30)
print("produced", len(rows))
`;

test("confluent-kafka's AvroSerializer (Python) → Weir's Avro source: exact decimals, dates and timestamps", async (t) => {
  const env = await pythonEnv('confluent', ['confluent-kafka[avro,schemaregistry]==2.16.1']);
  if (env.python === undefined) {
    t.diagnostic(`skipped: ${env.skip}`);
    t.skip(env.skip);
    return;
  }
  const topic = uniqueName('avro-py');
  await createTopic(broker.brokers, topic, 1);
  // serve needs a project; this one only hosts the registry
  const host = await writeProject('sources: {}\ntables: {}\nsinks: {}\n');
  dirs.push(host.dir);
  server?.kill('SIGKILL');
  const registry = await startRegistry(host.dir);
  assert.match(await runPython(env, PRODUCE, [broker.brokers.join(','), topic, registry]), /produced 2/);

  const reader = await readerProject(topic, registry, 'pay_py');
  const run = weir(['run', reader.dir, '--until-end']);
  assert.match(run.stdout, /pay_py_wh .* 2 +2 +0 +0/, run.stdout);
  assert.deepEqual(await warehouseRows(reader.project, 'avro_in.pay_py_wh'), EXPECTED);
});
