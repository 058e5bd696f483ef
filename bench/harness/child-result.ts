// What a benchmark child process reports to the harness: one line on stdout, `BENCH_RESULT {json}`.

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
  /** User + system CPU time of the whole process (all threads) during the measured part. */
  cpuSeconds: number;
  /** Peak resident set size of the process, bytes. */
  peakRssBytes: number;
}

/** Measures `work` in this process and prints the result line. */
export async function measure(
  work: () => Promise<Omit<ChildResult, 'seconds' | 'cpuSeconds' | 'peakRssBytes'>>,
): Promise<void> {
  const before = process.resourceUsage();
  const t0 = performance.now();
  const counts = await work();
  const seconds = (performance.now() - t0) / 1000;
  const after = process.resourceUsage();
  const cpuMicros = after.userCPUTime + after.systemCPUTime - before.userCPUTime - before.systemCPUTime;
  const result: ChildResult = {
    ...counts,
    seconds,
    cpuSeconds: cpuMicros / 1e6,
    // maxRSS is in kilobytes.
    peakRssBytes: after.maxRSS * 1024,
  };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/** Finds the result line in a child's stdout; null when the child printed none. */
export function parseChildResult(stdout: string): ChildResult | null {
  const line = stdout.split('\n').findLast((l) => l.startsWith(RESULT_PREFIX));
  return line ? (JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult) : null;
}
