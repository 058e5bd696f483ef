// Hot update of a Kafka job on a real broker: an edited weir.yaml is taken in place at a
// checkpoint. The worker stays in its consumer group (same generation: no rebalance per version),
// every record is processed by exactly one version, and the manifest records the switch point.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadProject } from '../../src/config/load.ts';
import { createTopic } from '../../src/connectors/kafka/admin.ts';
import { createKafkaSink } from '../../src/connectors/kafka/producer.ts';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import { latestManifest } from '../../src/runtime/checkpoint.ts';
import { checkpointRoot, runProject } from '../../src/runtime/run.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import { uniqueName } from './helpers.ts';

let broker: TestBroker;
before(async () => {
  broker = await ensureBroker();
});
after(() => broker?.stop());

const config = (topic: string, group: string, brokers: string[]) => `warehouse: ./warehouse
checkpoint: { interval_seconds: 0.5 }
sources:
  game:
    kafka: { brokers: [${brokers.join(',')}], topic: ${topic}, group: ${group} }
tables:
  t:
    source: game
    parser: { json: {} }
    drop_when: "id % 2 = 0"
    schema: { id: BIGINT NOT NULL }
sinks:
  t: { table: t, hive: { database: db, format: parquet } }
`;

async function produce(brokers: string[], topic: string, from: number, n: number): Promise<void> {
  const sink = createKafkaSink({ brokers, topic, compression: 'none' });
  try {
    await sink.send(
      Array.from({ length: n }, (_, i) => ({
        key: `k${from + i}`,
        value: JSON.stringify({ id: from + i, note: `n${from + i}` }),
      })),
    );
  } finally {
    await sink.close();
  }
}

async function until(what: string, ok: () => Promise<boolean> | boolean, log: string[]): Promise<void> {
  for (const end = Date.now() + 60_000; Date.now() < end; await sleep(100)) if (await ok()) return;
  assert.fail(`timed out waiting for ${what}:\n${log.join('\n')}`);
}

test('a Kafka job switches versions in place: same group generation, each record by exactly one version', async () => {
  const { brokers } = broker;
  const topic = uniqueName('hot-in');
  await createTopic(brokers, topic, 2);
  const dir = await mkdtemp(join(tmpdir(), 'weir-kafka-hot-'));
  const v1 = config(topic, uniqueName('g'), brokers);
  await writeFile(join(dir, 'weir.yaml'), v1);
  const loaded = await loadProject(dir);
  assert.ok(loaded.ok);
  const project = loaded.project;
  const root = checkpointRoot(project);
  const manifest = () => latestManifest(root, 'game', 7).catch(() => undefined);
  const log: string[] = [];
  const stop = new AbortController();
  const running = runProject(project, {
    watch: true,
    workerId: 7,
    signal: stop.signal,
    log: (l) => log.push(l),
  });
  try {
    await produce(brokers, topic, 0, 200);
    await until('the first 200 records', async () => (await manifest())?.counters.recordsRead === 200, log);
    const before = (await manifest())!;

    // A filter change and an added nullable column.
    await writeFile(
      join(dir, 'weir.yaml'),
      v1
        .replace('"id % 2 = 0"', '"id % 3 = 0"')
        .replace('{ id: BIGINT NOT NULL }', '{ id: BIGINT NOT NULL, note: STRING }'),
    );
    await until('the switch', () => log.some((l) => /going on with version/.test(l)), log);
    await produce(brokers, topic, 200, 200);
    await until('the next 200 records', async () => (await manifest())?.counters.recordsRead === 400, log);
    const now = (await manifest())!;
    assert.notEqual(now.configVersion, before.configVersion);
    assert.equal(now.generation, before.generation, 'no rebalance for a version switch');
    const from = Object.values(now.versionFrom ?? {}).reduce((n, p) => n + p.offset, 0);
    assert.equal(from, 200, 'the switch point: the new version began after the first 200 records');
  } finally {
    stop.abort();
    await running;
  }

  const conn = await openWarehouse(project.warehouse);
  try {
    const rows = (await conn.runAndReadAll('SELECT id, note FROM db.t ORDER BY id')).getRowObjectsJson();
    const want = [
      ...Array.from({ length: 200 }, (_, id) => id)
        .filter((id) => id % 2 !== 0)
        .map((id) => ({ id, note: null })),
      ...Array.from({ length: 200 }, (_, i) => 200 + i)
        .filter((id) => id % 3 !== 0)
        .map((id) => ({ id, note: `n${id}` })),
    ];
    assert.deepEqual(
      rows.map((r) => ({ id: Number(r.id), note: r.note ?? null })),
      want,
    );
  } finally {
    conn.closeSync();
  }
});
