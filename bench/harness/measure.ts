// Runs one measurement in a child process (so peak RSS and CPU time belong to that scenario alone)
// and turns what it reports into the figures of the table.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChildResult, parseChildResult } from './child-result.ts';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
export const FLOOR_CHILD = here('./child-floor.ts');
export const RUN_CHILD = here('./child-run.ts');

/** Runs `node <script> ...args` and returns what it reported; throws with its stderr when it failed. */
export function runChild(script: string, args: string[], extraNodeArgs: string[] = []): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...extraNodeArgs, script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-8000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const result = parseChildResult(stdout);
      if (code === 0 && result) return resolve(result);
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(
        new Error(`${script} ${args.join(' ')} ${how}${result ? '' : ' without a result'}\n${stderr.trim()}`),
      );
    });
  });
}

export interface FileCounts {
  /** part-* files of the tables. */
  data: number;
  /** part-* files of the error store. */
  errors: number;
}

/** Counts committed and in-progress part-* files under a warehouse folder. */
export async function countPartFiles(warehouse: string): Promise<FileCounts> {
  const counts: FileCounts = { data: 0, errors: 0 };
  let entries: { name: string; parentPath: string; isFile(): boolean }[];
  try {
    entries = await readdir(warehouse, { recursive: true, withFileTypes: true });
  } catch {
    return counts;
  }
  for (const e of entries) {
    if (!e.isFile() || !e.name.startsWith('part-')) continue;
    const rel = join(e.parentPath, e.name).slice(warehouse.length + 1);
    if (rel.startsWith('_errors')) counts.errors++;
    else counts.data++;
  }
  return counts;
}

/** One repetition of one scenario. */
export interface Sample extends ChildResult {
  bytes: number;
  files: FileCounts;
}

/** The figures of one scenario: medians over its samples (peak RSS: the highest). */
export interface Figures {
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSec: number;
  /** Input MB (10^6 bytes) per second. */
  mbPerSec: number;
  /** CPU cores kept busy on average: CPU time ÷ wall time. */
  coresUsed: number;
  /** Records per CPU-second: records/s per core used. */
  recordsPerCoreSec: number;
  peakRssBytes: number;
  filesWritten: number;
  errorFiles: number;
  rowsOut: number;
  errored: number;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function figuresOf(samples: Sample[]): Figures {
  if (samples.length === 0) throw new Error('no samples to summarise');
  const m = (f: (s: Sample) => number) => median(samples.map(f));
  return {
    records: samples[0].records,
    bytes: samples[0].bytes,
    seconds: m((s) => s.seconds),
    recordsPerSec: m((s) => s.records / s.seconds),
    mbPerSec: m((s) => s.bytes / 1e6 / s.seconds),
    coresUsed: m((s) => s.cpuSeconds / s.seconds),
    recordsPerCoreSec: m((s) => s.records / s.cpuSeconds),
    peakRssBytes: Math.max(...samples.map((s) => s.peakRssBytes)),
    filesWritten: m((s) => s.files.data),
    errorFiles: m((s) => s.files.errors),
    rowsOut: m((s) => s.rowsOut),
    errored: m((s) => s.errored),
  };
}
