// What each worker of a project runs, as its last manifest says: the config version, since when,
// its last checkpoint and a version it refused. Shown by `weir status` and reported to a config
// center by `weir run --from` (src/cli/follow-center.ts).
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { resolvePath } from '../config/resolve.ts';
import { listDir } from '../core/fs.ts';
import { type Manifest, readManifests } from './checkpoint.ts';

export interface WorkerStatus {
  worker: number;
  configVersion: string;
  /** When the worker began running configVersion (null in manifests from before hot update). */
  since: string | null;
  lastCheckpoint: string;
  refused?: { version: string; message: string; time: string };
}

const iso = (t: number | undefined) => (t ? new Date(t).toISOString() : null);

export function workerStatus(m: Manifest): WorkerStatus {
  return {
    worker: m.worker,
    configVersion: m.configVersion,
    since: iso(m.versionSince),
    lastCheckpoint: iso(m.time)!,
    ...(m.refused
      ? { refused: { version: m.refused.version, message: m.refused.message, time: iso(m.refused.time)! } }
      : {}),
  };
}

/**
 * The workers of every job that checkpointed under project folder `dir`, found from the
 * checkpoint folders under the warehouse its weir.yaml names. Needs no valid project: it works
 * while weir.yaml holds a version the running job refused. Empty when nothing ran yet.
 */
export async function runningWorkers(dir: string): Promise<Record<string, WorkerStatus[]>> {
  let doc: { warehouse?: unknown; checkpoint?: { dir?: unknown } } | undefined;
  try {
    doc = parseYaml(await readFile(join(dir, 'weir.yaml'), 'utf8'));
  } catch {
    return {};
  }
  const warehouse = typeof doc?.warehouse === 'string' ? doc.warehouse : './warehouse';
  const root =
    typeof doc?.checkpoint?.dir === 'string'
      ? resolvePath(resolve(dir), doc.checkpoint.dir)
      : join(resolvePath(resolve(dir), warehouse), '_weir', 'checkpoints');
  const byJob: Record<string, WorkerStatus[]> = {};
  for (const job of (await listDir(root)).filter((n) => !n.startsWith('_')).sort()) {
    const manifests = await readManifests(root, job).catch(() => []);
    if (manifests.length > 0) byJob[job] = manifests.map(workerStatus);
  }
  return byJob;
}
