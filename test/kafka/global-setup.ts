// Global setup of the whole test run (scripts/test.ts passes it to --test-global-setup): one Kafka
// broker for every test file. Files still call ensureBroker(), which then just takes a lease on
// this broker; running a single file without this setup starts the broker itself.
import { ensureBroker, type TestBroker } from './broker.ts';

let broker: TestBroker | undefined;

export async function globalSetup(): Promise<void> {
  broker = await ensureBroker();
}

export async function globalTeardown(): Promise<void> {
  await broker?.stop();
}
