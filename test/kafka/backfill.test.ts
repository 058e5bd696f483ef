// weir backfill from the table's own Kafka topic on a real broker: a derive bug fixed, the days
// rebuilt from the topic (a consumer group of the backfill's own, to the end offsets at its start)
// equal the truth, read back by DuckDB; the live job's group offsets are untouched.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTopic } from '../../src/connectors/kafka/admin.ts';
import { createKafkaSink } from '../../src/connectors/kafka/producer.ts';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import { CLI } from '../e2e/id-project.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import { uniqueName } from './helpers.ts';

let broker: TestBroker;
before(async () => {
  broker = await ensureBroker();
});
after(() => broker?.stop());

const DAYS = ['2026-11-25', '2026-11-26', '2026-11-27'];

test('backfill --input kafka rebuilds days from the topic; the live group is left alone', async () => {
  const { brokers } = broker;
  const topic = uniqueName('backfill-in');
  await createTopic(brokers, topic, 2);
  const group = uniqueName('g');
  const config = (usd: string) => `warehouse: ./warehouse
checkpoint: { interval_seconds: 0.3 }
sources:
  game: { kafka: { brokers: [${brokers.join(',')}], topic: ${topic}, group: ${group} } }
tables:
  pay:
    source: game
    parser: { json: {} }
    extend: [{ derive: { usd: "${usd}" } }]
    schema: { id: BIGINT NOT NULL, day: STRING NOT NULL, usd: BIGINT }
sinks:
  pay: { table: pay, hive: { database: db, format: parquet, partitioned_by: [day] } }
`;
  const dir = await mkdtemp(join(tmpdir(), 'weir-kafka-backfill-'));
  await writeFile(join(dir, 'weir.yaml'), config('amount * 10'));
  const N = 600;
  const sink = createKafkaSink({ brokers, topic, compression: 'none' });
  await sink.send(
    Array.from({ length: N }, (_, i) => ({
      key: `k${i}`,
      value: JSON.stringify({ id: i, day: DAYS[i % 3], amount: i }),
    })),
  );
  await sink.close();
  const weir = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  const run = weir(['run', dir, '--until-end', '--worker-id', '3']);
  assert.equal(run.status, 0, run.stderr);

  const sums = async () => {
    const conn = await openWarehouse(join(dir, 'warehouse'));
    try {
      const rows = (
        await conn.runAndReadAll('SELECT day, sum(usd) AS s FROM db.pay GROUP BY day ORDER BY day')
      ).getRowObjectsJson();
      return Object.fromEntries(rows.map((r) => [String(r.day), Number(r.s)]));
    } finally {
      conn.closeSync();
    }
  };
  const truth = (factor: number) => {
    const out: Record<string, number> = {};
    for (let i = 0; i < N; i++) out[DAYS[i % 3]!] = (out[DAYS[i % 3]!] ?? 0) + i * factor;
    return out;
  };
  assert.deepEqual(await sums(), truth(10));

  await writeFile(join(dir, 'weir.yaml'), config('amount'));
  const b = weir([
    'backfill',
    dir,
    '--table',
    'pay',
    '--partitions',
    `day=${DAYS[0]}..${DAYS[2]}`,
    '--input',
    'kafka',
  ]);
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stdout, new RegExp(`read ${N} records`));
  assert.deepEqual(await sums(), truth(1));

  // The live job's group still stands where it was: a new run reads nothing again.
  const again = weir(['run', dir, '--until-end', '--worker-id', '3', '--json']);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).counters.recordsRead, N, 'the run read nothing new');
});
