// A worker that stalls (SIGSTOP) longer than the group's session timeout is dropped from the group
// and its partitions go to the other worker. When it wakes up (SIGCONT) it must not checkpoint what
// it read before the stall: the new owner already started from its last checkpoint. It drops that
// work and rejoins; every record still lands exactly once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { topicOffsets } from '../../src/connectors/kafka/admin.ts';
import { latestManifest, type Manifest } from '../../src/runtime/checkpoint.ts';
import { checkpointRoot } from '../../src/runtime/run.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import { assertExactlyOnce, expectExit, mixedWarehouseRun, startRun } from './fixtures.ts';

// Enough that a worker cannot read everything before the other one has joined the group
// (100,000 took ~1.5 s to read: less than a second process needs to start and join).
const RECORDS = 300_000;
const ENV = { WEIR_KAFKA_SESSION_TIMEOUT_MS: '6000', WEIR_KAFKA_REBALANCE_TIMEOUT_MS: '10000' };
// The worker to be stalled reads slowly (100 ms after each batch), so it still owns unfinished
// partitions once the other has joined, however loaded the machine (CI once saw it finish first).
const SLOW = { WEIR_TEST_BATCH_DELAY_MS: '100' };

let broker: TestBroker;
let brokers: string[];
before(async () => {
  broker = await ensureBroker();
  brokers = broker.brokers;
});
after(() => broker?.stop());

async function stallProject(records: number) {
  const { topic, truth, dir, project } = await mixedWarehouseRun(brokers, {
    database: 'stall',
    partitions: 4,
    records,
  });
  const ends = await topicOffsets(brokers, topic);
  const root = checkpointRoot(project);
  const manifest = (worker: number) => latestManifest(root, 'game', worker).catch(() => undefined);
  return { truth, ends, dir, project, manifest };
}

test('a worker stalled past its session does not commit after the new owner started', async (t) => {
  const { truth, ends, dir, project, manifest } = await stallProject(RECORDS);
  const survivor = startRun(dir, 1, ENV);
  const stalled = startRun(dir, 2, { ...ENV, ...SLOW });
  try {
    // Both have checkpointed, and worker 2 owns partitions it has not finished.
    let theirs: string[] = [];
    let at: Manifest | undefined;
    const deadline = Date.now() + 60_000;
    while (theirs.length === 0) {
      assert.ok(
        Date.now() < deadline,
        `both workers never got going:\nworker 1:\n${survivor.stderr()}\nworker 2:\n${stalled.stderr()}`,
      );
      assert.equal(stalled.child.exitCode, null, `worker 2 ended too early:\n${stalled.stderr()}`);
      await sleep(100);
      const [m1, m2] = [await manifest(1), await manifest(2)];
      if (!m1 || !m2 || m1.counters.recordsRead === 0 || m2.counters.recordsRead === 0) continue;
      at = m2;
      theirs = Object.entries(m2.positions)
        .filter(([s, p]) => p.offset > (m1.positions[s]?.offset ?? 0) && p.offset < ends[s]!.latest)
        .map(([s]) => s);
    }
    stalled.child.kill('SIGSTOP');
    // Wait until worker 1 took worker 2's partitions over and checkpointed past where worker 2 was.
    const takeover = Date.now() + 60_000;
    for (;;) {
      assert.ok(Date.now() < takeover, `worker 1 never took the partitions over:\n${survivor.stderr()}`);
      const m1 = await manifest(1);
      if (m1 && theirs.some((s) => (m1.positions[s]?.offset ?? 0) > at!.positions[s]!.offset)) break;
      if (survivor.child.exitCode !== null) break;
      await sleep(200);
    }
    stalled.child.kill('SIGCONT');
    await expectExit(survivor, 120_000, 'worker 1');
    await expectExit(stalled, 120_000, 'worker 2 (stalled)');
  } finally {
    stalled.child.kill('SIGCONT');
    stalled.child.kill('SIGKILL');
    survivor.child.kill('SIGKILL');
  }
  try {
    await assertExactlyOnce(dir, project, truth, 'stall');
  } catch (e) {
    throw new Error(
      `${(e as Error).message}\nworker 1:\n${survivor.stderr()}\nworker 2:\n${stalled.stderr()}`,
      { cause: e },
    );
  }
  const gaveUp = stalled.stderr().match(/gave up its uncommitted work: .*/);
  assert.ok(gaveUp, `worker 2 did not notice it lost its partitions:\n${stalled.stderr()}`);
  t.diagnostic(gaveUp[0]);
});

// The same race made certain: worker 2 blocks (timers and heartbeats too) after its ownership check
// and before its manifest, for longer than the session. Only the fence stops its late commit.
test('a worker stalled between its ownership check and its manifest is fenced', async (t) => {
  // RECORDS as above: with fewer, a loaded machine let worker 1 read everything before worker 2 had
  // partitions at its second checkpoint, and nothing was left to fence (failed once in CI).
  const { truth, dir, project } = await stallProject(RECORDS);
  const survivor = startRun(dir, 1, ENV);
  const stalled = startRun(dir, 2, { ...ENV, ...SLOW, WEIR_TEST_STALL: '2:15000' });
  try {
    await expectExit(survivor, 120_000, 'worker 1');
    await expectExit(stalled, 120_000, 'worker 2 (stalled)');
  } finally {
    stalled.child.kill('SIGKILL');
    survivor.child.kill('SIGKILL');
  }
  await assertExactlyOnce(dir, project, truth, 'stall');
  const fenced = stalled.stderr().match(/gave up its uncommitted work: .*fenced.*/);
  assert.ok(fenced, `worker 2 was not fenced:\n${stalled.stderr()}`);
  t.diagnostic(fenced[0]);
});
