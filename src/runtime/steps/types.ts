// The shape shared by the per-table steps of a batch.
import type { ErrorRecord } from '../../core/errors.ts';
import type { RawRecord } from '../../core/record.ts';
import type { TableCounters } from '../../metrics/counters.ts';
import type { Failure } from './errors.ts';

/** A record in flight: the raw record it came from and its current value (text before the parser, a record after). */
export interface Item {
  raw: RawRecord;
  value: unknown;
}

/** One table's share of one batch: its counters and error records so far. */
export interface TableBatch {
  table: string;
  counters: TableCounters;
  errors: ErrorRecord[];
  fail(item: Item, failure: Failure): void;
}

/** A batch step: the items that go on (dropped and failed ones are counted through `batch`). */
export type Step = (items: Item[], batch: TableBatch) => Item[] | Promise<Item[]>;
