// Small helpers shared by the Kafka integration tests.
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { KafkaSourceReader } from '../../src/connectors/kafka/consumer.ts';
import type { RawRecord } from '../../src/core/record.ts';

/** A topic or group name no other test (or earlier run against the same broker) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Polls until `count` records arrived (more is an error) or `timeoutMs` passed. */
export async function pollRecords(
  reader: KafkaSourceReader,
  count: number,
  timeoutMs = 15_000,
): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) {
    records.push(...(await reader.poll(count - records.length, 500)));
  }
  return records;
}

/** Reads until `timeoutMs` passes, returning everything (to show nothing more arrives). */
export async function pollFor(reader: KafkaSourceReader, timeoutMs: number): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline)
    records.push(...(await reader.poll(1000, Math.max(1, deadline - Date.now()))));
  return records;
}

export const bySplitAndOffset = (a: RawRecord, b: RawRecord) =>
  a.position.split.localeCompare(b.position.split) || a.position.offset - b.position.offset;

/** Closes a reader or sink when the test ends, even when an assertion failed (open clients keep the process alive). */
export function closeAfter<T extends { close(): Promise<void> }>(t: TestContext, client: T): T {
  t.after(() => client.close().catch(() => {}));
  return client;
}
