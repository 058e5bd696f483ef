// Runs a project: one job per source; each job's splits are spread over workers (threads),
// every worker running all tables of the source over its share of one read.
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Project } from '../config/project.ts';
import { resolveFiles } from '../connectors/files/source.ts';
import { type Catalog, localCatalog } from '../connectors/warehouse/catalog.ts';
import { commitFiles, deleteOrphans } from '../connectors/warehouse/commit.ts';
import { type Counters, sumCounters } from '../metrics/counters.ts';
import { printType } from '../types/print.ts';
import { type Manifest, mergePositions, type PartitionRef, readManifests } from './checkpoint.ts';
import { errorStoreLocation } from './errorstore.ts';
import { hiveTargets, ownerOf, type Progress, runWorker, sinkColumns } from './job.ts';

export interface RunOptions {
  follow?: boolean;
  /** Worker threads per source (default: the machine's cores, at most one per split). */
  workers?: number;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (source: string, p: Progress) => void;
}

export interface RunSummary {
  counters: Counters;
  /** Per source: workers used and checkpoints taken. */
  sources: Record<string, { workers: number; splits: number }>;
  seconds: number;
}

export function checkpointRoot(project: Project): string {
  return project.config.checkpoint.dir ?? join(project.warehouse, '_weir', 'checkpoints');
}

/** Registers every hive sink's table in the catalog (idempotent; columns follow the schema). */
async function registerTables(project: Project): Promise<Catalog> {
  const catalog = localCatalog(project.warehouse);
  for (const source of Object.keys(project.config.sources)) {
    for (const t of hiveTargets(project, source)) {
      const sink = project.sinks.find((s) => s.name === t.sink)!.config.hive!;
      const columns = sinkColumns(project, t.sink);
      await catalog.registerTable({
        database: t.database,
        table: t.hiveTable,
        location: t.location,
        format: sink.format,
        columns: columns.map((c) => ({ name: c.name, type: printType(c.type) })),
        partitionedBy: t.partitionedBy,
      });
    }
  }
  return catalog;
}

/**
 * Completes whatever a crash interrupted: every last manifest's files are committed and its partitions
 * registered (both idempotent); in-progress files no manifest names are deleted.
 */
export async function recover(project: Project, catalog: Catalog): Promise<void> {
  const root = checkpointRoot(project);
  const locations = new Set<string>([errorStoreLocation(project.warehouse, project.config.errors.location)]);
  for (const source of Object.keys(project.config.sources)) {
    for (const manifest of await readManifests(root, source)) {
      await commitFiles(manifest.pending);
      await registerPartitions(catalog, manifest.partitions);
    }
    for (const t of hiveTargets(project, source)) locations.add(t.location);
  }
  for (const location of locations) await deleteOrphans(location, new Set());
}

/** Adds partitions to the catalog, one call per table. */
export async function registerPartitions(catalog: Catalog, partitions: PartitionRef[]): Promise<void> {
  const byTable = new Map<string, PartitionRef[]>();
  for (const p of partitions) {
    const key = `${p.database}.${p.table}`;
    byTable.set(key, [...(byTable.get(key) ?? []), p]);
  }
  for (const list of byTable.values()) {
    await catalog.addPartitions(
      list[0].database,
      list[0].table,
      list.map((p) => ({ values: p.values, location: p.location })),
    );
  }
}

async function splitsOf(project: Project, source: string): Promise<number> {
  const config = project.config.sources[source];
  if (config.files) return (await resolveFiles(project.dir, config.files.path)).length;
  return 1;
}

export async function runProject(project: Project, opts: RunOptions = {}): Promise<RunSummary> {
  const started = Date.now();
  const catalog = await registerTables(project);
  await recover(project, catalog);
  const root = checkpointRoot(project);
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const summary: RunSummary = { counters: sumCounters([]), sources: {}, seconds: 0 };
  // Catalog updates from every worker go through this one queue, so they never race.
  let queue: Promise<unknown> = Promise.resolve();
  const registrar = {
    addPartitions(partitions: PartitionRef[]): Promise<void> {
      const next = queue.then(() => registerPartitions(catalog, partitions));
      queue = next.catch(() => {});
      return next;
    },
  };

  const stopAll = new AbortController();
  opts.signal?.addEventListener('abort', () => stopAll.abort(), { once: true });
  const jobs = Object.entries(project.config.sources).map(async ([source, config]) => {
    const manifests = await readManifests(root, source);
    const positions = mergePositions(manifests);
    const splits = await splitsOf(project, source);
    const cores = opts.workers ?? availableParallelism();
    const workers =
      config.stdin || config.files?.follow || opts.follow ? 1 : Math.max(1, Math.min(cores, splits));
    summary.sources[source] = { workers, splits };
    const previousOf = (w: number): Manifest | undefined =>
      manifests.find((m) => m.worker === w && m.source === source);
    const base = {
      project,
      source,
      workers,
      runId,
      follow: Boolean(opts.follow || config.files?.follow),
      batchSize: opts.batchSize ?? 2048,
      checkpointDir: root,
      positions,
    };
    const results: Counters[] = [];
    if (workers === 1) {
      results.push(
        await runWorker({
          ...base,
          worker: 0,
          previous: previousOf(0),
          catalog: registrar,
          signal: stopAll.signal,
          onProgress: (p) => opts.onProgress?.(source, p),
        }),
      );
    } else {
      await Promise.all(
        Array.from({ length: workers }, (_, w) =>
          runInThread(
            { ...base, worker: w, previous: previousOf(w) },
            registrar,
            { ...opts, signal: stopAll.signal },
            (c) => results.push(c),
          ).catch((e) => {
            stopAll.abort(); // one worker failing stops its siblings (each takes a final checkpoint)
            throw e;
          }),
        ),
      );
    }
    // Workers of an earlier run with more workers keep their share of the counters.
    const ran = new Set(Array.from({ length: workers }, (_, w) => w));
    for (const m of manifests) if (!ran.has(m.worker)) results.push(m.counters);
    return results;
  });
  const all = (await Promise.all(jobs)).flat();
  summary.counters = sumCounters(all);
  summary.seconds = (Date.now() - started) / 1000;
  void ownerOf;
  return summary;
}

interface ThreadData {
  project: Project;
  source: string;
  worker: number;
  workers: number;
  runId: string;
  follow: boolean;
  batchSize: number;
  checkpointDir: string;
  positions: Map<string, { offset: number; line: number }>;
  previous?: Manifest;
}

function runInThread(
  data: ThreadData,
  registrar: { addPartitions(p: PartitionRef[]): Promise<void> },
  opts: RunOptions,
  done: (c: Counters) => void,
): Promise<void> {
  let failure: string | undefined;
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker-thread.ts', import.meta.url), {
      workerData: { ...data, project: { dir: data.project.dir } },
    });
    const stop = () => worker.postMessage({ type: 'stop' });
    opts.signal?.addEventListener('abort', stop, { once: true });
    worker.on('message', async (msg) => {
      if (msg.type === 'partitions') {
        try {
          await registrar.addPartitions(msg.partitions);
          worker.postMessage({ type: 'ack', id: msg.id });
        } catch (e) {
          worker.postMessage({ type: 'ack', id: msg.id, error: String(e) });
        }
      } else if (msg.type === 'progress') {
        opts.onProgress?.(data.source, msg.progress);
      } else if (msg.type === 'done') {
        done(msg.counters);
      } else if (msg.type === 'failed') {
        failure = msg.message;
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      opts.signal?.removeEventListener('abort', stop);
      if (code === 0) resolve();
      else
        reject(
          new Error(failure ?? `worker ${data.worker} of source ${data.source} stopped with code ${code}`),
        );
    });
  });
}
