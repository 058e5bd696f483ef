// Issue 14's acceptance run: 4 `weir run` processes in one consumer group share one warehouse,
// writing a table of 200 Hive partitions; each process is SIGKILLed once and started again. Every
// partition ends up registered in the catalog (so `weir sql` sees it) and the counts are exact.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTopic } from '../../src/connectors/kafka/admin.ts';
import { localCatalog } from '../../src/connectors/warehouse/catalog.ts';
import { latestManifest } from '../../src/runtime/checkpoint.ts';
import { checkpointRoot } from '../../src/runtime/run.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import {
  assertExactlyOnce,
  expectExit,
  mixedProject,
  produceMixed,
  startRun,
  type WeirProcess,
  warehouseSinks,
  writeProject,
} from './fixtures.ts';
import { uniqueName } from './helpers.ts';

const RECORDS = 120_000;
const BUCKETS = 200;
const PROCESSES = 4;

let broker: TestBroker;
before(async () => {
  broker = await ensureBroker();
});
after(() => broker?.stop());

test(`${PROCESSES} processes, one group, ${BUCKETS} partitions, one SIGKILL each: every partition registered, counts exact`, {
  timeout: 10 * 60_000,
}, async () => {
  const brokers = broker.brokers;
  const topic = uniqueName('parts');
  await createTopic(brokers, topic, 8);
  const truth = await produceMixed(brokers, topic, RECORDS);
  const yaml = mixedProject({
    brokers,
    topic,
    group: uniqueName('g'),
    sinks: warehouseSinks('parts', 'bucket'),
  }).replace(
    `    parser: { json: {} }
    schema:
      seq: BIGINT NOT NULL
      role: STRING`,
    `    parser: { json: {} }
    extend: [{ derive: { bucket: "seq % ${BUCKETS * 3}" } }]
    schema:
      seq: BIGINT NOT NULL
      role: STRING
      bucket: INT NOT NULL`,
  );
  assert.match(yaml, /partitioned_by: \[bucket\]/);
  const { dir, project } = await writeProject(yaml);
  const root = checkpointRoot(project);
  const ids = Array.from({ length: PROCESSES }, (_, i) => i + 1);
  const runs = new Map<number, WeirProcess>(ids.map((id) => [id, startRun(dir, id, {})]));
  const logs: string[] = [];
  try {
    // Each process, once it has committed something, is killed and started again.
    const killed = new Set<number>();
    let kills = 0;
    const deadline = Date.now() + 240_000;
    while (killed.size < PROCESSES && Date.now() < deadline) {
      await sleep(200);
      for (const id of ids) {
        if (killed.has(id)) continue;
        const run = runs.get(id)!;
        const m = await latestManifest(root, 'game', id).catch(() => undefined);
        if (run.child.exitCode !== null)
          killed.add(id); // finished before its turn: nothing to kill
        else if (m && m.counters.recordsRead > 0) {
          run.child.kill('SIGKILL');
          await run.exited;
          kills++;
          logs.push(`worker ${id} killed:\n${run.stderr()}`);
          killed.add(id);
          runs.set(id, startRun(dir, id, {}));
        }
      }
    }
    assert.equal(kills, PROCESSES, 'every process was killed once after its first checkpoint');
    for (const id of ids) await expectExit(runs.get(id)!, 240_000, `worker ${id}`);
  } finally {
    for (const run of runs.values()) run.child.kill('SIGKILL');
  }
  const logins = await localCatalog(project.warehouse).getTable('parts', 'logins');
  // seq of a login is a multiple of 3, so seq % 600 takes the 200 values 0, 3, ..., 597.
  assert.equal(logins?.partitions.length, BUCKETS, logs.join('\n'));
  await assertExactlyOnce(dir, project, truth, 'parts');
});
