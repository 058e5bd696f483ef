// Checkpoint manifests: one file per (source, worker), replaced atomically at every checkpoint.
// A manifest names the files to commit, the partitions to register, the source positions the
// committed data covers and the worker's cumulative SLA counters.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listDir, writeFileAtomic } from '../core/fs.ts';
import type { Counters } from '../metrics/counters.ts';

export interface PendingFileRef {
  inProgress: string;
  final: string;
  partition: Record<string, string>;
  rows: number;
  bytes: number;
}

export interface PartitionRef {
  database: string;
  table: string;
  values: Record<string, string>;
  location: string;
}

export interface Manifest {
  format: 1;
  source: string;
  worker: number;
  /** Increases by one at every checkpoint of this worker. */
  epoch: number;
  configVersion: string;
  time: number;
  /** split → next position to read (files: byte offset and lines consumed; Kafka: next offset). */
  positions: Record<string, { offset: number; line: number }>;
  pending: PendingFileRef[];
  partitions: PartitionRef[];
  counters: Counters;
}

export function checkpointDir(root: string, source: string): string {
  return join(root, source);
}

function manifestPath(root: string, source: string, worker: number): string {
  return join(checkpointDir(root, source), `worker-${worker}.json`);
}

/** Write-then-rename with fsync of the file and its folder: the manifest is either old or new, never torn. */
export async function writeManifest(root: string, manifest: Manifest): Promise<void> {
  const dir = checkpointDir(root, manifest.source);
  await mkdir(dir, { recursive: true });
  const path = manifestPath(root, manifest.source, manifest.worker);
  await writeFileAtomic(path, JSON.stringify(manifest));
}

/** Every worker's latest manifest of a source (a new source has none). */
export async function readManifests(root: string, source: string): Promise<Manifest[]> {
  const dir = checkpointDir(root, source);
  const names = await listDir(dir);
  const out: Manifest[] = [];
  for (const name of names.sort()) {
    if (!/^worker-\d+\.json$/.test(name)) continue;
    out.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as Manifest);
  }
  return out;
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
