// The broker goes away for 30 s while `weir run` is mid-stream and comes back with its data: the
// run keeps waiting (plain log lines, no exit), resumes from its last checkpoint and loads every
// record exactly once. The broker is this file's own (port 19192), so that stopping it does not
// disturb the test files sharing the suite's broker.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireTool, startBroker, stopBroker } from '../../scripts/kafka.ts';
import { createTopic, topicOffsets } from '../../src/connectors/kafka/admin.ts';
import { latestManifest } from '../../src/runtime/checkpoint.ts';
import { checkpointRoot } from '../../src/runtime/run.ts';
import {
  assertExactlyOnce,
  expectExit,
  mixedProject,
  produceMixed,
  startRun,
  warehouseSinks,
  writeProject,
} from './fixtures.ts';
import { uniqueName } from './helpers.ts';

const PORT = Number(process.env['WEIR_KAFKA_OUTAGE_PORT'] || 19192);
const RECORDS = 100_000;
const OUTAGE_MS = 30_000;

let brokers: string[];
before(async () => {
  requireTool('java');
  brokers = (await startBroker(PORT, (l) => console.error(`[kafka ${PORT}] ${l}`))).brokers;
});
after(() => stopBroker(PORT, { clean: true }));

test('broker stopped for 30 s mid-run and restarted: weir run waits, resumes, loads everything exactly once', async (t) => {
  const topic = uniqueName('outage');
  await createTopic(brokers, topic, 4);
  const truth = await produceMixed(brokers, topic, RECORDS);
  const ends = await topicOffsets(brokers, topic);
  const { dir, project } = await writeProject(
    mixedProject({
      brokers,
      topic,
      group: uniqueName('g'),
      sinks: warehouseSinks('outage', 'role'),
    }),
  );
  const run = startRun(dir, 1, { WEIR_KAFKA_SESSION_TIMEOUT_MS: '6000' });
  try {
    // Stop the broker once the run has committed something and still has records to read.
    const deadline = Date.now() + 60_000;
    for (;;) {
      assert.ok(Date.now() < deadline, `the run never checkpointed:\n${run.stderr()}`);
      assert.equal(run.child.exitCode, null, `the run ended before the outage:\n${run.stderr()}`);
      const m = await latestManifest(checkpointRoot(project), 'game', 1).catch(() => undefined);
      if (m && m.counters.recordsRead > 0) {
        const left = Object.entries(ends).filter(([s, o]) => (m.positions[s]?.offset ?? 0) < o.latest);
        assert.ok(left.length > 0, 'the run read everything before the outage');
        break;
      }
      await sleep(100);
    }
    await stopBroker(PORT);
    const stoppedAt = Date.now();
    await sleep(OUTAGE_MS);
    assert.equal(run.child.exitCode, null, `weir run exited during the outage:\n${run.stderr()}`);
    const waiting = run.stderr().match(/waiting \d+ s, then resuming from the last checkpoint/g) ?? [];
    assert.ok(waiting.length >= 1, `no waiting line during the outage:\n${run.stderr()}`);
    for (const line of run
      .stderr()
      .split('\n')
      .filter((l) => l.includes('waiting'))
      .slice(0, 3))
      t.diagnostic(line);
    assert.doesNotMatch(run.stderr(), /^\s+at /m, 'plain lines, no stack traces');
    await startBroker(PORT, (l) => console.error(`[kafka ${PORT}] ${l}`));
    console.error(`[outage] broker back after ${((Date.now() - stoppedAt) / 1000).toFixed(0)} s`);
    await expectExit(run, 150_000, 'weir run after the outage');
  } finally {
    run.child.kill('SIGKILL');
  }
  await assertExactlyOnce(dir, project, truth, 'outage');
});
