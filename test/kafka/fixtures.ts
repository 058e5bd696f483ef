// Input, projects and checks shared by the Kafka process-level tests (takeover, outage): real
// `weir run` processes over a topic of mixed log kinds, checked against the truth afterwards.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject } from '../../src/config/load.ts';
import type { Project } from '../../src/config/project.ts';
import { createTopic } from '../../src/connectors/kafka/admin.ts';
import { createKafkaSink } from '../../src/connectors/kafka/producer.ts';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import type { Counters } from '../../src/metrics/counters.ts';
import { uniqueName } from './helpers.ts';

export const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

export interface Truth {
  records: number;
  logins: number;
  loginSeqSum: number;
  pays: number;
  /** Unparseable pay records: PARSE_JSON error records of table pays. */
  bad: number;
  noise: number;
}

/** Record `i`: a login, a pay (every 7th one truncated JSON) or a noise line. */
function record(i: number): string {
  if (i % 3 === 0) return JSON.stringify({ log: 'login', seq: i, role: `r${i % 11}` });
  if (i % 3 === 1) {
    if (i % 7 === 1) return `{"log":"pay","seq":${i},"amount":`;
    return JSON.stringify({ log: 'pay', seq: i, amount: (i % 100) + 0.5, role: `r${i % 11}` });
  }
  return `noise ${i}`;
}

/** Produces records 0..n-1 (keyed, so they spread over the partitions) and returns the truth. */
export async function produceMixed(brokers: string[], topic: string, n: number): Promise<Truth> {
  const truth: Truth = { records: n, logins: 0, loginSeqSum: 0, pays: 0, bad: 0, noise: 0 };
  const sink = createKafkaSink({ brokers, topic, compression: 'lz4' });
  try {
    for (let from = 0; from < n; from += 10_000) {
      const msgs = [];
      for (let i = from; i < Math.min(n, from + 10_000); i++) {
        msgs.push({ key: `k${i}`, value: record(i) });
        if (i % 3 === 0) {
          truth.logins++;
          truth.loginSeqSum += i;
        } else if (i % 3 === 1) {
          if (i % 7 === 1) truth.bad++;
          else truth.pays++;
        } else truth.noise++;
      }
      await sink.send(msgs);
    }
  } finally {
    await sink.close();
  }
  return truth;
}

/** Tables logins and pays over source `game`, plus the given sinks. */
export function mixedProject(opts: {
  brokers: string[];
  topic: string;
  group: string;
  sinks: string;
}): string {
  return `
checkpoint: { interval_seconds: 1 }
sources:
  game:
    kafka: { brokers: [${opts.brokers.join(',')}], topic: ${opts.topic}, group: ${opts.group} }
tables:
  logins:
    source: game
    filter: { contains: ['"log":"login"'] }
    parser: { json: {} }
    schema:
      seq: BIGINT NOT NULL
      role: STRING
  pays:
    source: game
    filter: { contains: ['"log":"pay"'] }
    parser: { json: {} }
    schema:
      seq: BIGINT NOT NULL
      amount: DECIMAL(10,2)
      role: STRING
sinks:
${opts.sinks}`;
}

export async function writeProject(yaml: string): Promise<{ dir: string; project: Project }> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-kafka-proc-'));
  await writeFile(join(dir, 'weir.yaml'), yaml);
  const loaded = await loadProject(dir);
  if (!loaded.ok) assert.fail(loaded.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return { dir, project: loaded.project };
}

export interface WeirProcess {
  child: ChildProcess;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (null when killed) and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Sinks of the mixed project into the warehouse: logins as Parquet (partitioned by the given
 * column, if any), pays as JSON, in `database`.
 */
export function warehouseSinks(database: string, loginsPartitionedBy?: string): string {
  const partitioned = loginsPartitionedBy ? `, partitioned_by: [${loginsPartitionedBy}]` : '';
  return `
  logins:
    table: logins
    hive: { database: ${database}, format: parquet${partitioned} }
  pays:
    table: pays
    hive: { database: ${database}, format: json }
`;
}

/**
 * A fresh topic of `partitions` holding `records` mixed records, and a project loading it into the
 * warehouse database `database` with a fresh consumer group.
 */
export async function mixedWarehouseRun(
  brokers: string[],
  opts: { database: string; partitions: number; records: number },
): Promise<{ topic: string; truth: Truth; dir: string; project: Project }> {
  const topic = uniqueName(opts.database);
  await createTopic(brokers, topic, opts.partitions);
  const truth = await produceMixed(brokers, topic, opts.records);
  const { dir, project } = await writeProject(
    mixedProject({ brokers, topic, group: uniqueName('g'), sinks: warehouseSinks(opts.database) }),
  );
  return { topic, truth, dir, project };
}

/** `weir run <dir> --until-end --worker-id <id>` as a child process. */
export function startRun(dir: string, workerId: number, env: Record<string, string>): WeirProcess {
  const child = spawn(process.execPath, [CLI, 'run', dir, '--until-end', '--worker-id', String(workerId)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stderr: () => stderr, exited };
}

/** Waits for the process to exit within `ms`; kills it (and fails) otherwise. */
export async function expectExit(p: WeirProcess, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const result = await Promise.race([p.exited, timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    p.child.kill('SIGKILL');
    assert.fail(`${what} did not finish within ${ms / 1000} s; its log:\n${p.stderr()}`);
  }
  assert.equal(result.code, 0, `${what} failed; its log:\n${p.stderr()}`);
}

/** `weir status --json` counters. */
export function statusCounters(dir: string): Counters {
  const r = spawnSync(process.execPath, [CLI, 'status', dir, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).counters as Counters;
}

/** Error records in the error store: total, distinct (split, offset), per table. */
export async function errorStore(
  project: Project,
): Promise<{ table: string; n: number; distinct: number }[]> {
  const conn = await openWarehouse(project.warehouse);
  try {
    const rows = (
      await conn.runAndReadAll(
        `SELECT "table" AS t, count(*) AS n, count(DISTINCT split || ':' || "offset") AS d
         FROM read_json('${join(project.warehouse, '_errors')}/*/*/part-*', hive_partitioning = true)
         GROUP BY 1 ORDER BY 1`,
      )
    ).getRowObjectsJson();
    return rows.map((r) => ({ table: String(r['t']), n: Number(r['n']), distinct: Number(r['d']) }));
  } finally {
    conn.closeSync();
  }
}

/** The warehouse holds every login and pay exactly once, the error store every bad pay once; `weir status` agrees. */
export async function assertExactlyOnce(dir: string, project: Project, truth: Truth, database: string) {
  const conn = await openWarehouse(project.warehouse);
  try {
    const one = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson()[0]!;
    const l = await one(
      `SELECT count(*) AS n, count(DISTINCT seq) AS d, sum(seq) AS s FROM ${database}.logins`,
    );
    assert.deepEqual(
      { rows: Number(l['n']), distinct: Number(l['d']), sum: Number(l['s']) },
      { rows: truth.logins, distinct: truth.logins, sum: truth.loginSeqSum },
      'logins in the warehouse',
    );
    const y = await one(`SELECT count(*) AS n, count(DISTINCT seq) AS d FROM ${database}.pays`);
    assert.deepEqual(
      { rows: Number(y['n']), distinct: Number(y['d']) },
      { rows: truth.pays, distinct: truth.pays },
      'pays in the warehouse',
    );
  } finally {
    conn.closeSync();
  }
  assert.deepEqual(await errorStore(project), [{ table: 'pays', n: truth.bad, distinct: truth.bad }]);
  const c = statusCounters(dir);
  assert.equal(c.recordsRead, truth.records, 'weir status: records read');
  assert.equal(c.unrouted, truth.noise, 'weir status: unrouted');
  assert.deepEqual(
    { ...c.tables['logins'], user: undefined },
    {
      recordsIn: truth.logins,
      recordsOut: truth.logins,
      recordsDropped: 0,
      recordsErrored: 0,
      user: undefined,
    },
  );
  assert.deepEqual(
    { ...c.tables['pays'], user: undefined },
    {
      recordsIn: truth.pays + truth.bad,
      recordsOut: truth.pays,
      recordsDropped: 0,
      recordsErrored: truth.bad,
      user: undefined,
    },
  );
}
