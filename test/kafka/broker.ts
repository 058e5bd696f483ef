// The Kafka broker every Kafka integration test runs against: a real Apache Kafka 4.x (KRaft)
// on a test port, started once and shared by all test processes of a run (node --test runs each
// test file in its own process). Use it from before/after hooks:
//
//   let broker: TestBroker;
//   before(async () => { broker = await ensureBroker(); });
//   after(() => broker.stop());
//
// A broker that was already running on the test port when the run began is reused and never
// stopped. One the tests started is stopped (and its data removed) when the last test process
// using it calls stop(): every process holds a lease file while it uses the broker.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { brokerFiles, leases, requireTool, startBroker, stopBroker, withLock } from '../../scripts/kafka.ts';

export const TEST_PORT = Number(process.env['WEIR_KAFKA_TEST_PORT'] || 19092);

export interface TestBroker {
  brokers: string[];
  stop(): Promise<void>;
}

/** Marks a broker the tests started, so that the last test process stops it. */
const startedByTests = (port: number) => `${brokerFiles(port).pid}.tests`;

export async function ensureBroker(port: number = TEST_PORT): Promise<TestBroker> {
  // Without Java the tests must fail with the reason, never skip silently.
  requireTool('java');
  // The lease is taken before the (locked) start, so a concurrent stop() sees it.
  await leases.add(port, process.pid);
  let brokers: string[];
  try {
    brokers = await withLock(port, async () => {
      const result = await startBroker(port, (line) => console.error(`[kafka] ${line}`));
      if (result.started) writeFileSync(startedByTests(port), String(process.pid));
      return result.brokers;
    });
  } catch (error) {
    await leases.remove(port, process.pid);
    throw error;
  }
  let stopped = false;
  return {
    brokers,
    async stop() {
      if (stopped) return;
      stopped = true;
      await withLock(port, async () => {
        await leases.remove(port, process.pid);
        if ((await leases.live(port)).length > 0 || !existsSync(startedByTests(port))) return;
        await stopBroker(port, { clean: true });
        rmSync(startedByTests(port), { force: true });
      });
    },
  };
}
