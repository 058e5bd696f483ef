// Generated benchmark inputs, cached under .cache/bench/<name>-<records>.log. A sidecar
// <file>.json records the generator options; a file whose sidecar or size does not match is rebuilt.
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeGenerated } from '../../src/gen/write.ts';
import type { InputSpec } from './scenarios.ts';

export interface InputFile {
  path: string;
  records: number;
  bytes: number;
}

interface Sidecar {
  records: number;
  bytes: number;
  gen: unknown;
}

export function inputPath(cacheDir: string, spec: InputSpec, records: number): string {
  return join(cacheDir, `${spec.name}-${records}.log`);
}

async function cached(path: string, spec: InputSpec, records: number): Promise<InputFile | null> {
  try {
    const side = JSON.parse(await readFile(`${path}.json`, 'utf8')) as Sidecar;
    const size = (await stat(path)).size;
    if (side.records !== records || side.bytes !== size) return null;
    if (JSON.stringify(side.gen) !== JSON.stringify(spec.gen)) return null;
    return { path, records, bytes: size };
  } catch {
    return null;
  }
}

/** The input file for `spec` with `records` lines, generated once (deterministically) and then reused. */
export async function ensureInput(cacheDir: string, spec: InputSpec, records: number): Promise<InputFile> {
  const path = inputPath(cacheDir, spec, records);
  const hit = await cached(path, spec, records);
  if (hit) return hit;
  // Written under a temporary name so an interrupted run never leaves a half file that looks cached.
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const bytes = await writeGenerated(tmp, records, spec.gen);
    await rename(tmp, path);
    const side: Sidecar = { records, bytes, gen: spec.gen };
    await writeFile(`${path}.json`, `${JSON.stringify(side, null, 2)}\n`);
    return { path, records, bytes };
  } finally {
    await rm(tmp, { force: true });
  }
}
