// The job runtime on a real broker: a multi-partition topic with mixed log kinds becomes warehouse
// tables and Kafka topics; runs resume from their checkpoints without losing or repeating records.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadProject } from '../../src/config/load.ts';
import type { Project } from '../../src/config/project.ts';
import { createTopic, topicExists, topicOffsets } from '../../src/connectors/kafka/admin.ts';
import { createKafkaSourceReader } from '../../src/connectors/kafka/consumer.ts';
import { createKafkaSink } from '../../src/connectors/kafka/producer.ts';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import { runProject } from '../../src/runtime/run.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import { closeAfter, pollFor, uniqueName } from './helpers.ts';

let broker: TestBroker;
let brokers: string[];
before(async () => {
  broker = await ensureBroker();
  brokers = broker.brokers;
  process.env['WEIR_KAFKA_SESSION_TIMEOUT_MS'] = '10000';
});
after(() => broker?.stop());

/** `n` records from `from` on: logins, payments (every 7th one unparseable) and noise, spread over partitions by key. */
async function produce(
  topic: string,
  from: number,
  n: number,
): Promise<{ logins: number[]; pays: number[]; bad: number }> {
  const sink = createKafkaSink({ brokers, topic, compression: 'none' });
  const truth = { logins: [] as number[], pays: [] as number[], bad: 0 };
  const msgs = [];
  for (let i = from; i < from + n; i++) {
    let value: string;
    if (i % 3 === 0) {
      value = JSON.stringify({ log: 'login', seq: i, role: `r${i % 11}` });
      truth.logins.push(i);
    } else if (i % 3 === 1) {
      if (i % 7 === 1) {
        value = `{"log":"pay","seq":${i},"amount":`; // truncated: a PARSE_JSON error record
        truth.bad++;
      } else {
        value = JSON.stringify({ log: 'pay', seq: i, amount: (i % 100) + 0.5, role: `r${i % 11}` });
        truth.pays.push(i);
      }
    } else value = `noise ${i}`;
    msgs.push({ key: `k${i}`, value });
  }
  try {
    await sink.send(msgs);
  } finally {
    await sink.close();
  }
  return truth;
}

async function project(dir: string, yaml: string): Promise<Project> {
  await writeFile(join(dir, 'weir.yaml'), yaml);
  const loaded = await loadProject(dir);
  if (!loaded.ok) assert.fail(loaded.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return loaded.project;
}

const tables = (source: string) => `
tables:
  logins:
    source: ${source}
    filter: { contains: ['"log":"login"'] }
    parser: { json: {} }
    schema:
      seq: BIGINT NOT NULL
      role: STRING
  pays:
    source: ${source}
    filter: { contains: ['"log":"pay"'] }
    parser: { json: {} }
    schema:
      seq: BIGINT NOT NULL
      amount: DECIMAL(10,2)
      role: STRING
`;

async function readTopic(topic: string, ms: number): Promise<Record<string, unknown>[]> {
  const reader = createKafkaSourceReader({ brokers, topic, group: uniqueName('check') });
  try {
    return (await pollFor(reader, ms)).map((r) => JSON.parse(r.text));
  } finally {
    await reader.close();
  }
}

test('mixed log kinds on 3 partitions → warehouse tables and a Kafka topic; a second run adds only new records', async (t) => {
  const topic = uniqueName('rt-in');
  const out = uniqueName('rt-pays');
  await createTopic(brokers, topic, 3);
  await createTopic(brokers, out, 2);
  const dir = await mkdtemp(join(tmpdir(), 'weir-kafka-rt-'));
  const p = await project(
    dir,
    `
checkpoint: { interval_seconds: 1 }
sources:
  game:
    kafka: { brokers: [${brokers.join(',')}], topic: ${topic}, group: ${uniqueName('g')} }
${tables('game')}
sinks:
  logins:
    table: logins
    hive: { database: rt, format: parquet, partitioned_by: [role] }
  pays:
    table: pays
    hive: { database: rt, format: json, partitioned_by: [role] }
  pays_rt:
    table: pays
    kafka: { brokers: [${brokers.join(',')}], topic: ${out}, key: [role], compression: zstd }
`,
  );
  const first = await produce(topic, 0, 600);
  // Two group members in one process: the partitions are split between them by a rebalance.
  const summary = await runProject(p, {
    untilEnd: true,
    workers: 2,
    workerId: 1,
    log: (l) => t.diagnostic(l),
  });
  assert.equal(summary.counters.recordsRead, 600);
  const second = await produce(topic, 600, 300);
  const again = await runProject(p, { untilEnd: true, workerId: 1, log: (l) => t.diagnostic(l) });
  assert.equal(again.counters.recordsRead, 900, 'counters of both runs (all workers) add up');

  const logins = [...first.logins, ...second.logins];
  const pays = [...first.pays, ...second.pays];
  const conn = await openWarehouse(p.warehouse);
  try {
    const one = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson()[0]!;
    const l = await one('SELECT count(*) AS n, count(DISTINCT seq) AS d, sum(seq) AS s FROM rt.logins');
    assert.deepEqual(
      [Number(l.n), Number(l.d), Number(l.s)],
      [logins.length, logins.length, logins.reduce((a, b) => a + b, 0)],
    );
    const y = await one('SELECT count(*) AS n, count(DISTINCT seq) AS d FROM rt.pays');
    assert.deepEqual([Number(y.n), Number(y.d)], [pays.length, pays.length]);
  } finally {
    conn.closeSync();
  }
  assert.equal(again.counters.tables['pays']!.recordsErrored, first.bad + second.bad);
  assert.equal(again.counters.unrouted, 300);

  // Mixed job: Kafka is at least once; this run had no failure, so every row arrived once.
  const rows = await readTopic(out, 4000);
  assert.deepEqual(
    rows.map((r) => Number(r['seq'])).sort((a, b) => a - b),
    pays,
  );
  const sample = rows.find((r) => Number(r['seq']) === pays[0])!;
  assert.deepEqual(Object.keys(sample), ['seq', 'amount', 'role']);
  assert.equal(typeof sample['amount'], 'number');
});

test('a job whose only sinks are Kafka topics delivers exactly once through transactions', async (t) => {
  const topic = uniqueName('tx-in');
  const out = uniqueName('tx-logins');
  await createTopic(brokers, topic, 2);
  await createTopic(brokers, out, 1);
  const dir = await mkdtemp(join(tmpdir(), 'weir-kafka-tx-'));
  const group = uniqueName('g');
  const p = await project(
    dir,
    `
checkpoint: { interval_seconds: 0.5 }
sources:
  game:
    kafka: { brokers: [${brokers.join(',')}], topic: ${topic}, group: ${group} }
${tables('game')}
sinks:
  logins_rt:
    table: logins
    kafka: { brokers: [${brokers.join(',')}], topic: ${out}, key: [seq] }
`,
  );
  const truth = await produce(topic, 0, 300);
  await runProject(p, { untilEnd: true, workerId: 7, log: (l) => t.diagnostic(l) });
  await runProject(p, { untilEnd: true, workerId: 7, log: (l) => t.diagnostic(l) });
  const rows = await readTopic(out, 3000);
  assert.deepEqual(
    rows.map((r) => Number(r['seq'])).sort((a, b) => a - b),
    truth.logins,
  );
  // The offsets were committed inside the transactions: the group is at the end of every partition.
  const reader = closeAfter(t, createKafkaSourceReader({ brokers, topic, group }));
  assert.deepEqual(await pollFor(reader, 2000), []);
});

test('examples/kafka runs against the broker: separate_realtime runs two jobs, counted once', async (t) => {
  const topic = uniqueName('ex-in');
  const out = uniqueName('ex-pays');
  await createTopic(brokers, topic, 2);
  await createTopic(brokers, out, 1);
  const dir = await mkdtemp(join(tmpdir(), 'weir-kafka-ex-'));
  const example = await readFile(new URL('../../examples/kafka/weir.yaml', import.meta.url), 'utf8');
  const p = await project(
    dir,
    example
      .replaceAll('localhost:9092', brokers.join(','))
      .replace('topic: game_logs', `topic: ${topic}`)
      .replace('topic: game_pays', `topic: ${out}`)
      .replace('group: weir_game', `group: ${uniqueName('g')}`)
      .replace('interval_seconds: 10', 'interval_seconds: 1'),
  );
  const truth = await produce(topic, 0, 300);
  const summary = await runProject(p, { untilEnd: true, workerId: 3, log: (l) => t.diagnostic(l) });
  assert.deepEqual(Object.keys(summary.sources).sort(), ['game', 'game.realtime']);
  // Both jobs read every record; tables are counted by the warehouse job only.
  assert.equal(summary.counters.recordsRead, 300);
  assert.equal(summary.counters.tables['pays']!.recordsOut, truth.pays.length);
  assert.equal(summary.counters.sinks['pays_rt']!.recordsOut, truth.pays.length);
  const conn = await openWarehouse(p.warehouse);
  try {
    const n = (
      await conn.runAndReadAll('SELECT count(DISTINCT seq) AS d, count(*) AS n FROM game.pays')
    ).getRowObjectsJson()[0]!;
    assert.deepEqual([Number(n.n), Number(n.d)], [truth.pays.length, truth.pays.length]);
  } finally {
    conn.closeSync();
  }
  const rows = await readTopic(out, 3000);
  assert.deepEqual(
    rows.map((r) => Number(r['seq'])).sort((a, b) => a - b),
    truth.pays,
  );
});

test('a Kafka sink topic that does not exist stops the job at start, or is created when the sink asks', async (t) => {
  const topic = uniqueName('check-in');
  const missing = uniqueName('check-missing');
  await createTopic(brokers, topic, 1);
  const dir = await mkdtemp(join(tmpdir(), 'weir-kafka-check-'));
  const yaml = (create: string) => `
sources:
  game:
    kafka: { brokers: [${brokers.join(',')}], topic: ${topic}, group: ${uniqueName('g')} }
${tables('game')}
sinks:
  logins_rt:
    table: logins
    kafka: { brokers: [${brokers.join(',')}], topic: ${missing}${create} }
`;
  const truth = await produce(topic, 0, 30);
  const started = Date.now();
  await assert.rejects(
    runProject(await project(dir, yaml('')), { untilEnd: true, log: (l) => t.diagnostic(l) }),
    (e: Error) => {
      assert.match(
        e.message,
        new RegExp(`sinks\\.logins_rt\\.kafka\\.topic: Kafka topic "${missing}" does not exist`),
      );
      assert.match(e.message, /add create: \{ partitions: N \}/);
      return true;
    },
  );
  assert.ok(Date.now() - started < 30_000, 'refused at start, not retried');
  assert.equal(await topicExists(brokers, missing), false);

  await runProject(await project(dir, yaml(', create: { partitions: 3, replication: 1 }')), {
    untilEnd: true,
    log: (l) => t.diagnostic(l),
  });
  assert.equal(Object.keys(await topicOffsets(brokers, missing)).length, 3);
  const rows = await readTopic(missing, 3000);
  assert.deepEqual(
    rows.map((r) => Number(r['seq'])).sort((a, b) => a - b),
    truth.logins,
  );
});
