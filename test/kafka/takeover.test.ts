// Two `weir run` processes in one consumer group over a 4-partition topic; one is SIGKILLed while
// both are mid-stream. The survivor takes the dead member's partitions over once its session
// expires and runs to the end: every record lands exactly once (warehouse jobs), or reaches a
// read_committed consumer exactly once (Kafka-only jobs, through transactions).
import assert from 'node:assert/strict';
import { basename, dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTopic, topicOffsets } from '../../src/connectors/kafka/admin.ts';
import { createKafkaSourceReader } from '../../src/connectors/kafka/consumer.ts';
import { latestManifest, type Manifest } from '../../src/runtime/checkpoint.ts';
import { checkpointRoot } from '../../src/runtime/run.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import {
  assertExactlyOnce,
  errorStore,
  expectExit,
  mixedProject,
  produceMixed,
  startRun,
  type Truth,
  type WeirProcess,
  warehouseSinks,
  writeProject,
} from './fixtures.ts';
import { pollFor, pollRecords, uniqueName } from './helpers.ts';

// Enough that a worker cannot read everything before the other one has joined the group
// (100,000 took ~1.5 s to read: less than a second process needs to start and join).
const RECORDS = 300_000;
const ENV = { WEIR_KAFKA_SESSION_TIMEOUT_MS: '6000', WEIR_KAFKA_REBALANCE_TIMEOUT_MS: '10000' };

let broker: TestBroker;
let brokers: string[];
before(async () => {
  broker = await ensureBroker();
  brokers = broker.brokers;
});
after(() => broker?.stop());

/** A worker's latest manifest under the job's checkpoint folder (`<root>/game`). */
function manifest(checkpoints: string, worker: number): Promise<Manifest | undefined> {
  return latestManifest(dirname(checkpoints), basename(checkpoints), worker).catch(() => undefined);
}

/** What each worker had checkpointed, and what it said: for a test that timed out. */
function describe(
  ends: Record<string, { latest: number }>,
  m1: Manifest | undefined,
  m2: Manifest | undefined,
  w1: WeirProcess,
  w2: WeirProcess,
): string {
  const one = (m: Manifest | undefined) =>
    m
      ? `epoch ${m.epoch}, generation ${m.generation}, read ${m.counters.recordsRead}, positions ${JSON.stringify(m.positions)}`
      : 'no manifest';
  return [
    `end offsets: ${JSON.stringify(Object.fromEntries(Object.entries(ends).map(([s, o]) => [s, o.latest])))}`,
    `worker 1: ${one(m1)} (exit ${w1.child.exitCode})\n${w1.stderr()}`,
    `worker 2: ${one(m2)} (exit ${w2.child.exitCode})\n${w2.stderr()}`,
  ].join('\n');
}

/**
 * Starts workers 1 and 2, waits until both have checkpointed records and worker 2 still has
 * partitions to read, then SIGKILLs worker 2 and waits for worker 1 to finish.
 */
async function killOneMidStream(
  dir: string,
  checkpoints: string,
  topic: string,
): Promise<{ victim: Manifest; survivor: WeirProcess }> {
  const ends = await topicOffsets(brokers, topic);
  const survivor = startRun(dir, 1, ENV);
  const victim = startRun(dir, 2, ENV);
  let last: Manifest | undefined;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [m1, m2] = await Promise.all([manifest(checkpoints, 1), manifest(checkpoints, 2)]);
      assert.ok(
        Date.now() < deadline,
        `both workers never got going.\n${describe(ends, m1, m2, survivor, victim)}`,
      );
      const unfinished = Object.entries(m2?.positions ?? {}).filter(([s, p]) => p.offset < ends[s]!.latest);
      if (m1 && m2 && m1.counters.recordsRead > 0 && m2.counters.recordsRead > 0 && unfinished.length > 0) {
        last = m2;
        break;
      }
      assert.equal(
        victim.child.exitCode,
        null,
        `worker 2 ended before it could be killed:\n${victim.stderr()}`,
      );
      await sleep(100);
    }
    // Somewhere inside a checkpoint interval, not right at a checkpoint.
    await sleep(Math.floor(Math.random() * 700));
    victim.child.kill('SIGKILL');
    const { signal } = await victim.exited;
    assert.equal(signal, 'SIGKILL', `worker 2 ended before the kill:\n${victim.stderr()}`);
    assert.equal(survivor.child.exitCode, null, 'worker 1 was still running when worker 2 died');
    await expectExit(survivor, 120_000, 'worker 1 (the survivor)');
  } finally {
    victim.child.kill('SIGKILL');
    survivor.child.kill('SIGKILL');
  }
  const final = (await manifest(checkpoints, 2))!;
  assert.ok(final.counters.recordsRead >= last.counters.recordsRead);
  assert.ok(final.counters.recordsRead < RECORDS, 'worker 2 died before reading everything');
  return { victim: final, survivor };
}

test(`two workers, one SIGKILLed mid-stream: the other takes over; ${RECORDS} records exactly once`, async () => {
  const topic = uniqueName('takeover');
  await createTopic(brokers, topic, 4);
  const truth: Truth = await produceMixed(brokers, topic, RECORDS);
  const { dir, project } = await writeProject(
    mixedProject({
      brokers,
      topic,
      group: uniqueName('g'),
      sinks: warehouseSinks('takeover', 'role'),
    }),
  );
  const checkpoints = join(checkpointRoot(project), 'game');
  const { victim, survivor } = await killOneMidStream(dir, checkpoints, topic);
  // Every partition the victim left unfinished, the survivor read to its end. (A partition the
  // victim had finished and checkpointed gives the survivor nothing to read, so it may be absent
  // from the survivor's manifest: asserting it there failed about one run in six.)
  const end = (await manifest(checkpoints, 1))!;
  const ends = await topicOffsets(brokers, topic);
  for (const [split, o] of Object.entries(ends)) {
    if (victim.positions[split]?.offset === o.latest) continue;
    assert.equal(end.positions[split]?.offset, o.latest, `worker 1 finished ${split}`);
  }
  assert.ok(
    Object.keys(ends).some((split) => victim.positions[split]?.offset !== ends[split]!.latest),
    'the victim left a partition unfinished',
  );
  assert.ok(victim.counters.recordsRead > 0);
  assert.doesNotMatch(survivor.stderr(), /stopped:/);
  await assertExactlyOnce(dir, project, truth, 'takeover');
});

test(`Kafka-only job, one of two workers SIGKILLed mid-stream: exactly once for read_committed consumers`, async () => {
  const topic = uniqueName('takeover-tx');
  const out = uniqueName('takeover-tx-out');
  await createTopic(brokers, topic, 4);
  await createTopic(brokers, out, 2);
  const truth = await produceMixed(brokers, topic, RECORDS);
  const group = uniqueName('g');
  const { dir, project } = await writeProject(
    mixedProject({
      brokers,
      topic,
      group,
      sinks: `
  logins_rt:
    table: logins
    kafka: { brokers: [${brokers.join(',')}], topic: ${out}, key: [seq] }
`,
    }),
  );
  await killOneMidStream(dir, join(checkpointRoot(project), 'game'), topic);

  const reader = createKafkaSourceReader({ brokers, topic: out, group: uniqueName('check') });
  try {
    // The dead worker's open transaction holds read_committed readers back until the broker aborts it.
    const rows = await pollRecords(reader, truth.logins, 60_000);
    rows.push(...(await pollFor(reader, 1500)));
    const seqs = rows.map((r) => Number(JSON.parse(r.text)['seq']));
    assert.deepEqual(
      { rows: seqs.length, distinct: new Set(seqs).size, sum: seqs.reduce((a, b) => a + b, 0) },
      { rows: truth.logins, distinct: truth.logins, sum: truth.loginSeqSum },
    );
  } finally {
    await reader.close();
  }
  // Error records of a Kafka-only job are at least once: every bad record is there.
  const [errors] = await errorStore(project);
  assert.equal(errors?.table, 'pays');
  assert.equal(errors?.distinct, truth.bad);
  // The group's offsets were committed in the transactions: nothing is left to read.
  const rest = createKafkaSourceReader({ brokers, topic, group });
  try {
    assert.deepEqual(await pollFor(rest, 1500), []);
  } finally {
    await rest.close();
  }
});
