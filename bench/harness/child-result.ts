// What a benchmark child process reports to the harness: one line on stdout, `BENCH_RESULT {json}`.
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ: /proc reports CPU times in these on Linux

export const RESULT_PREFIX = 'BENCH_RESULT ';

export interface ChildResult {
  /** Raw records read. */
  records: number;
  /** Rows loaded (run) or bodies parsed (floor). */
  rowsOut: number;
  /** Error records (run) or bodies JSON.parse rejected (floor). */
  errored: number;
  /** Wall time of the measured part (the run or the read loop), without process start-up. */
  seconds: number;
  /** User + system CPU time of the whole process (all threads, and processes it started) during the measured part. */
  cpuSeconds: number;
  /**
   * Peak memory, bytes: the process's peak resident set size, or where it started processes (the
   * Python UDF sandbox) the highest sampled sum of their proportional set sizes, if higher.
   */
  peakRssBytes: number;
}

/**
 * Measures `work` in this process and prints the result line. Processes it starts (the Python UDF
 * sandbox) count too: their CPU once they have ended, their memory by sampling while they run.
 */
export async function measure(
  work: () => Promise<Omit<ChildResult, 'seconds' | 'cpuSeconds' | 'peakRssBytes'>>,
): Promise<void> {
  const before = process.resourceUsage();
  const childrenBefore = childrenCpuSeconds();
  let peakTree = 0;
  const sampler = setInterval(() => {
    peakTree = Math.max(peakTree, treeMemoryBytes(process.pid));
  }, 100);
  const t0 = performance.now();
  const counts = await work();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const after = process.resourceUsage();
  const cpuMicros = after.userCPUTime + after.systemCPUTime - before.userCPUTime - before.systemCPUTime;
  const result: ChildResult = {
    ...counts,
    seconds,
    cpuSeconds: cpuMicros / 1e6 + childrenCpuSeconds() - childrenBefore,
    // maxRSS is in kilobytes.
    peakRssBytes: Math.max(after.maxRSS * 1024, peakTree),
  };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/** Finds the result line in a child's stdout; null when the child printed none. */
export function parseChildResult(stdout: string): ChildResult | null {
  const line = stdout.split('\n').findLast((l) => l.startsWith(RESULT_PREFIX));
  return line ? (JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult) : null;
}

/** CPU time of this process's ended (waited-for) children: /proc/self/stat cutime + cstime. */
function childrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/**
 * Memory of a process and its descendants now: the sum of their proportional set sizes (shared
 * pages, such as the node binary, split among the processes sharing them); 0 where /proc cannot tell.
 */
function treeMemoryBytes(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    let bytes = Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) * 1024;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(' ') : []) bytes += treeMemoryBytes(Number(child));
    }
    return bytes;
  } catch {
    return 0;
  }
}
