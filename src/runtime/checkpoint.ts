// Checkpoint manifests: a folder per (source, worker) holding one file per checkpoint, named by the
// worker's epoch; the greatest name is the worker's manifest.
// A manifest names the files to commit, the partitions to register, the source positions the
// committed data covers and the worker's cumulative SLA counters.
//
// Fencing: a manifest file is created with link(2), which fails when the name exists. A Kafka
// worker assigned partitions in generation G first claims the next name of every worker that held
// them and last wrote in an older generation, with a copy of that worker's manifest marked
// `fencedBelow: G` (a fence). A member the group dropped (e.g. stalled past its session) that wakes
// up mid-checkpoint then finds its name taken by a fence above its generation and gives its work
// up, instead of committing records the new owner reads again; a member that rejoined in G or later
// takes the next name instead.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { createFileOnce, listDir } from '../core/fs.ts';
import type { Counters } from '../metrics/counters.ts';
import type { PartitionRef, PendingFileRef } from '../sinks/contract.ts';

export type { PartitionRef, PendingFileRef };

export interface Manifest {
  format: 1;
  source: string;
  worker: number;
  /** Increases by one at every checkpoint of this worker. */
  epoch: number;
  /** Consumer-group generation the worker's partitions were assigned in (0 for file sources). */
  generation?: number;
  /** Written by another worker: this worker may not commit this epoch in a generation below `fencedBelow`. */
  fenced?: boolean;
  fencedBelow?: number;
  configVersion: string;
  /** When the worker began running `configVersion` (hot update); absent in older manifests. */
  versionSince?: number;
  /** The source positions the worker began `configVersion` at: records before them were processed by an older version. */
  versionFrom?: Record<string, { offset: number; line: number }>;
  /** The last version this worker could not take, while it runs on `configVersion`. */
  refused?: { version: string; message: string; time: number };
  time: number;
  /** split → next position to read (files: byte offset and lines consumed; Kafka: next offset). */
  positions: Record<string, { offset: number; line: number }>;
  pending: PendingFileRef[];
  /** Row-format files kept open across this checkpoint, `bytes` of each committed (absent: none). */
  open?: PendingFileRef[];
  partitions: PartitionRef[];
  counters: Counters;
}

export const MANIFEST_FORMAT = 1;

// What recovery relies on is checked; other fields (e.g. a files source's file identities) pass.
const manifestShape = z.looseObject({
  format: z.literal(MANIFEST_FORMAT),
  source: z.string(),
  worker: z.number().int(),
  epoch: z.number().int(),
  positions: z.record(z.string(), z.looseObject({ offset: z.number() })),
  pending: z.array(z.looseObject({ inProgress: z.string(), final: z.string() })),
  open: z.array(z.looseObject({ inProgress: z.string(), final: z.string(), bytes: z.number() })).optional(),
  partitions: z.array(z.looseObject({ database: z.string(), table: z.string(), location: z.string() })),
  counters: z.looseObject({ recordsRead: z.number() }),
});

/** Parses a manifest file; a truncated, foreign or newer one is refused with a message naming it. */
export function parseManifest(path: string, text: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(
      `checkpoint manifest ${path} is not valid JSON (${(e as Error).message}); it may be truncated`,
    );
  }
  const format = json && typeof json === 'object' && 'format' in json ? json.format : undefined;
  if (typeof format === 'number' && format > MANIFEST_FORMAT) {
    throw new Error(
      `checkpoint manifest ${path} has format ${format}; this Weir reads format ${MANIFEST_FORMAT}: it was written by a newer Weir (upgrade to run this project)`,
    );
  }
  const parsed = manifestShape.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `checkpoint manifest ${path} is not a Weir checkpoint manifest: ${issue.path.join('.') || '(top)'}: ${issue.message}`,
    );
  }
  return parsed.data as unknown as Manifest;
}

export function checkpointDir(root: string, source: string): string {
  return join(root, source);
}

function workerDir(root: string, source: string, worker: number): string {
  return join(checkpointDir(root, source), `worker-${worker}`);
}

function manifestName(epoch: number): string {
  return `${String(epoch).padStart(12, '0')}.json`;
}

const MANIFEST_NAME = /^\d{12}\.json$/;

/** Another worker claimed this manifest's name: the writer may no longer own its partitions. */
export class ManifestFencedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestFencedError';
  }
}

/**
 * Commits a checkpoint: creates the manifest's file (fsynced, never torn) and removes the worker's
 * older ones. When a fence holds the name and the manifest's generation is at or above the fence's,
 * the next epoch is used (`manifest.epoch` is updated); otherwise throws ManifestFencedError.
 */
export async function writeManifest(root: string, manifest: Manifest): Promise<void> {
  const dir = workerDir(root, manifest.source, manifest.worker);
  await mkdir(dir, { recursive: true });
  for (;;) {
    const name = manifestName(manifest.epoch);
    if (await createFileOnce(join(dir, name), JSON.stringify(manifest))) {
      for (const old of await listDir(dir)) {
        if (MANIFEST_NAME.test(old) && old < name) await rm(join(dir, old), { force: true });
      }
      return;
    }
    const taken = parseManifest(join(dir, name), await readFile(join(dir, name), 'utf8'));
    if (!taken.fenced || (manifest.generation ?? 0) < (taken.fencedBelow ?? Number.POSITIVE_INFINITY)) {
      throw new ManifestFencedError(
        `checkpoint ${name} of worker ${manifest.worker} was fenced: another worker took its partitions over`,
      );
    }
    manifest.epoch++;
  }
}

async function latestIn(dir: string): Promise<Manifest | undefined> {
  // A name can vanish between listing and reading when its worker just wrote a newer one.
  for (let attempt = 0; attempt < 5; attempt++) {
    const names = (await listDir(dir)).filter((n) => MANIFEST_NAME.test(n)).sort();
    const last = names.at(-1);
    if (!last) return undefined;
    try {
      return parseManifest(join(dir, last), await readFile(join(dir, last), 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  throw new Error(`checkpoint folder ${dir} keeps changing while it is read`);
}

/** A worker's latest manifest of a source, if it has one. */
export function latestManifest(root: string, source: string, worker: number): Promise<Manifest | undefined> {
  return latestIn(workerDir(root, source, worker));
}

/** Every worker's latest manifest of a source (a new source has none). */
export async function readManifests(root: string, source: string): Promise<Manifest[]> {
  const dir = checkpointDir(root, source);
  const out: Manifest[] = [];
  const workers = (await listDir(dir)).filter((n) => /^worker-\d+$/.test(n));
  workers.sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));
  for (const name of workers) {
    const m = await latestIn(join(dir, name));
    if (m) out.push(m);
  }
  return out;
}

/**
 * Before a worker that was assigned `splits` in `generation` reads the positions: every other
 * worker that holds one of the splits and last wrote in an older generation gets a fence (a copy of
 * its manifest under its next name, `fencedBelow: generation`), so it cannot commit again unless it
 * rejoined the group in that generation or a later one.
 */
export async function fenceWorkers(
  root: string,
  source: string,
  self: number,
  generation: number,
  splits: string[],
): Promise<void> {
  const wanted = new Set(splits);
  const covered = (m: Manifest) =>
    m.fenced ? (m.fencedBelow ?? 0) >= generation : (m.generation ?? 0) >= generation;
  for (const m of await readManifests(root, source)) {
    let latest: Manifest | undefined = m;
    while (
      latest &&
      latest.worker !== self &&
      !covered(latest) &&
      Object.keys(latest.positions).some((s) => wanted.has(s))
    ) {
      const fence: Manifest = { ...latest, epoch: latest.epoch + 1, fenced: true, fencedBelow: generation };
      const dir = workerDir(root, source, latest.worker);
      if (await createFileOnce(join(dir, manifestName(fence.epoch)), JSON.stringify(fence))) break;
      // The worker committed that very name first: its newer manifest counts; fence the next one.
      latest = await latestIn(dir);
    }
  }
}

/** Positions only move forward, so the furthest position of a split across manifests is the committed one. */
export function mergePositions(manifests: Manifest[]): Map<string, { offset: number; line: number }> {
  const merged = new Map<string, { offset: number; line: number }>();
  for (const m of manifests) {
    for (const [split, pos] of Object.entries(m.positions)) {
      const seen = merged.get(split);
      if (!seen || pos.offset > seen.offset) merged.set(split, pos);
    }
  }
  return merged;
}
