// What the main thread and a job's worker threads say to each other (worker-thread.ts, run.ts).
// The worker gets the config text the main thread validated, never weir.yaml from disk: a file
// edited after the start must not give the threads of one run different configs.
import type { Counters } from '../metrics/counters.ts';
import type { Manifest, PartitionRef } from './checkpoint.ts';
import type { Progress } from './job.ts';
import type { JobPlan } from './plan.ts';

/** The thread's workerData. */
export interface ThreadStart {
  project: { dir: string; text: string; version: string };
  source: string;
  job: JobPlan;
  worker: number;
  workers: number;
  runId: string;
  follow: boolean;
  batchSize: number;
  checkpointDir: string;
  positions: Map<string, { offset: number; line: number }>;
  assignment?: Map<string, number>;
  previous?: Manifest;
  /** 0 for a worker's first start in this run; more when it was started again after a retriable failure. */
  attempt: number;
}

export type ToWorker =
  /** Finish the batch in hand, take a last checkpoint and end. */
  | { type: 'stop' }
  /** A newer config version is waiting: switch to it at a checkpoint (or refuse it), as job.ts does. */
  | { type: 'config-changed'; project: ThreadStart['project']; job: JobPlan }
  /** The catalog registered (or failed to register) the partitions of request `id`. */
  | { type: 'ack'; id: number; error?: string };

import type { FailureKind } from '../core/job-errors.ts';

export type FromWorker =
  | { type: 'partitions'; id: number; partitions: PartitionRef[] }
  | { type: 'progress'; progress: Progress }
  | { type: 'done'; counters: Counters }
  | { type: 'failed'; kind: FailureKind; message: string };
