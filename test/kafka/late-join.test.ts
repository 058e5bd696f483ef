// A member that joins while the other is finishing: the finishing one closes its consumer while a
// rebalance it took part in is still in flight. Before the fix, that close could leave the Kafka
// client's heartbeat timer behind and `weir run` never exited (4 of 6 runs at these offsets).
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkpointRoot } from '../../src/runtime/run.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import { assertExactlyOnce, expectExit, mixedWarehouseRun, startRun } from './fixtures.ts';

const RECORDS = 100_000;
const ENV = { WEIR_KAFKA_SESSION_TIMEOUT_MS: '6000', WEIR_KAFKA_REBALANCE_TIMEOUT_MS: '10000' };

let broker: TestBroker;
before(async () => {
  broker = await ensureBroker();
});
after(() => broker?.stop());

for (const delayMs of [200, 300, 400]) {
  test(`a worker joining ${delayMs} ms after the other: both finish and exit, every record once`, async () => {
    const { truth, dir, project } = await mixedWarehouseRun(broker.brokers, {
      database: 'late',
      partitions: 4,
      records: RECORDS,
    });
    const first = startRun(dir, 2, ENV);
    await sleep(delayMs);
    const second = startRun(dir, 1, ENV);
    try {
      await expectExit(first, 60_000, 'the first worker');
      await expectExit(second, 60_000, 'the second worker');
    } finally {
      first.child.kill('SIGKILL');
      second.child.kill('SIGKILL');
    }
    await assertExactlyOnce(dir, project, truth, 'late');
  });
}

// A member without partitions has nothing to commit, and skips its checkpoints.
test('more workers than partitions: both exit, no worker gives up, every record once', async () => {
  const { truth, dir, project } = await mixedWarehouseRun(broker.brokers, {
    database: 'idle',
    partitions: 1,
    records: 50_000,
  });
  const one = startRun(dir, 1, ENV);
  const two = startRun(dir, 2, ENV);
  try {
    await expectExit(one, 60_000, 'worker 1');
    await expectExit(two, 60_000, 'worker 2');
  } finally {
    one.child.kill('SIGKILL');
    two.child.kill('SIGKILL');
  }
  await assertExactlyOnce(dir, project, truth, 'idle');
  const root = join(checkpointRoot(project), 'game');
  for (const worker of await readdir(root)) {
    for (const name of await readdir(join(root, worker)))
      assert.match(name, /^\d{12}\.json$/, `${worker}/${name} is not a manifest name`);
  }
  for (const p of [one, two]) assert.doesNotMatch(p.stderr(), /gave up/);
});
