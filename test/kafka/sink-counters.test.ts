// Rows a Kafka sink cannot encode are error records and are counted as errored, not delivered:
// the sink's counters equal the topic and the error store.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { serve } from '@hono/node-server';
import { loadProject } from '../../src/config/load.ts';
import { createTopic } from '../../src/connectors/kafka/admin.ts';
import { createKafkaSourceReader } from '../../src/connectors/kafka/consumer.ts';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import { runProject } from '../../src/runtime/run.ts';
import { createApp } from '../../src/server/app.ts';
import { Registry } from '../../src/server/registry/store.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import { pollFor, uniqueName } from './helpers.ts';

let broker: TestBroker;
let registryUrl = '';
let server: ReturnType<typeof serve>;
before(async () => {
  broker = await ensureBroker();
  const app = createApp({ registry: await Registry.open() });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  registryUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  server.close();
  await broker?.stop();
});

test('rows the Avro encoder refuses are SINK error records, counted as errored: counters = topic = error store', async (t) => {
  const topic = uniqueName('sc-out');
  await createTopic(broker.brokers, topic, 1);
  const dir = await mkdtemp(join(tmpdir(), 'weir-sink-counters-'));
  // A TIMESTAMP(9) after 2262-04-11 is a valid table value, but its nanoseconds overflow Avro's long.
  const lines = [
    { seq: 0, at: '2024-01-01 00:00:00.123456789' },
    { seq: 1, at: '2262-04-12 00:00:00' },
    { seq: 2, at: '2030-06-01 12:00:00' },
    { seq: 3, at: '9999-12-31 23:59:59' },
    { seq: 4, at: '1970-01-01 00:00:00' },
  ];
  await writeFile(join(dir, 'in.log'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  await writeFile(
    join(dir, 'weir.yaml'),
    `
sources:
  game: { files: { path: in.log } }
tables:
  events:
    source: game
    parser: { json: {} }
    schema: { seq: BIGINT NOT NULL, at: TIMESTAMP(9) }
sinks:
  events_wh: { table: events, hive: { database: sc, format: json } }
  events_rt:
    table: events
    kafka: { brokers: [${broker.brokers.join(',')}], topic: ${topic}, format: avro, registry: "${registryUrl}" }
`,
  );
  const loaded = await loadProject(dir);
  if (!loaded.ok) assert.fail(JSON.stringify(loaded.problems));
  const summary = await runProject(loaded.project, { log: (l) => t.diagnostic(l) });

  assert.deepEqual(summary.counters.tables.events, {
    recordsIn: 5,
    recordsOut: 5,
    recordsDropped: 0,
    recordsErrored: 0,
    user: {},
  });
  // A sink that refused nothing carries no errored count (manifests stay as they were).
  assert.deepEqual(summary.counters.sinks.events_wh, { recordsIn: 5, recordsOut: 5, recordsDropped: 0 });
  assert.deepEqual(summary.counters.sinks.events_rt, {
    recordsIn: 5,
    recordsOut: 3,
    recordsDropped: 0,
    recordsErrored: 2,
  });

  const reader = createKafkaSourceReader({ brokers: broker.brokers, topic, group: uniqueName('check') });
  try {
    assert.equal((await pollFor(reader, 4000)).length, 3, 'the topic holds the rows counted out');
  } finally {
    await reader.close();
  }
  const conn = await openWarehouse(loaded.project.warehouse);
  const errors = (
    await conn.runAndReadAll(
      `SELECT code, "table", message FROM read_json('${join(dir, 'warehouse', '_errors')}/*/*/part-*', hive_partitioning = true)`,
    )
  ).getRowObjectsJson();
  assert.equal(errors.length, 2, 'the error store holds the rows counted errored');
  for (const e of errors) {
    assert.equal(e.code, 'SINK');
    assert.equal(e.table, 'events');
    assert.match(String(e.message), /sink events_rt: cannot encode the row as Avro: field "at"/);
  }
});
