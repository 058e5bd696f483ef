// Flink SQL reads Weir's Kafka topics with the DDL `weir ddl --dialect flink` prints, unchanged:
// real PyFlink (PyPI) with the Kafka connector and avro-confluent format jars (Maven Central),
// against Avro sinks registered in `weir serve` and a JSON sink. Flink must return exactly the rows
// Weir loaded, every column. Before, Flink refused the Avro DDL ("Avro does not support TIMESTAMP
// type with precision: 6", "Unsupported to derive Schema for type: TIMESTAMP_LTZ(3)") and read
// the JSON key Weir writes as Avro ("Magic number does not match").
// Skips, with the reason, when PyFlink or the jars cannot be installed.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pythonEnv, runPython } from '../readers/python-env.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import { CLI } from './fixtures.ts';
import { uniqueName } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const POM = join(ROOT, 'scripts', 'flink', 'pom.xml');
const LIBS = join(ROOT, '.cache', 'flink', 'libs');
/** The PyPI release; scripts/flink/pom.xml pins the same <flink.version>. */
const PYFLINK = 'apache-flink==2.3.0';

let broker: TestBroker;
let server: ChildProcess | undefined;
const dirs: string[] = [];
before(async () => {
  broker = await ensureBroker();
});
after(async () => {
  server?.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  await broker?.stop();
});

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

/** The connector jars of scripts/flink/pom.xml in .cache/flink/libs, fetched once per pom. */
async function flinkJars(): Promise<{ jars: string[]; skip?: undefined } | { skip: string }> {
  const pom = readFileSync(POM, 'utf8');
  const stamp = join(LIBS, 'weir-pom.sha256');
  const wanted = createHash('sha256').update(pom).digest('hex');
  const list = () => readdirSync(LIBS).filter((f) => f.endsWith('.jar'));
  if (!(existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted)) {
    await rm(LIBS, { recursive: true, force: true });
    await mkdir(LIBS, { recursive: true });
    const mvn = await new Promise<{ code: number; out: string }>((done) => {
      const child = spawn(
        'mvn',
        [
          '-q',
          '-B',
          '-f',
          POM,
          'dependency:copy-dependencies',
          `-DoutputDirectory=${LIBS}`,
          '-DincludeScope=runtime',
          '-DexcludeTransitive=true',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('error', (e) => done({ code: -1, out: `${out}${e.message}` }));
      child.on('close', (code) => done({ code: code ?? -1, out }));
    });
    if (mvn.code !== 0 || list().length < 2) {
      await rm(LIBS, { recursive: true, force: true });
      return {
        skip: `cannot fetch the Flink connector jars with Maven (${POM}): ${mvn.out.trim().slice(-2000)}`,
      };
    }
    await writeFile(stamp, wanted);
  }
  return { jars: list().map((f) => join(LIBS, f)) };
}

// Runs each CREATE TABLE of the DDL file as printed, then copies every table into a JSON file
// table (Flink's own JSON writer: exact BIGINT and DECIMAL, nulls kept in maps) in one batch job
// that reads each topic up to its latest offset; prints "<table>\t<json row>" lines.
const READ_ALL = String.raw`
import glob, os, sys
from pyflink.table import EnvironmentSettings, TableEnvironment

jars, ddl_file, work = sys.argv[1], sys.argv[2], sys.argv[3]
BQ = chr(96)


def run():
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    conf = env.get_config()
    conf.set('pipeline.jars', jars)
    conf.set('table.local-time-zone', 'UTC')
    conf.set('parallelism.default', '1')
    tables = []
    for stmt in open(ddl_file, encoding='utf-8').read().split(';\n'):
        body = '\n'.join(l for l in stmt.splitlines() if not l.startswith('--')).strip().rstrip(';')
        if body:
            env.execute_sql(body)
            tables.append(body.split('\n', 1)[0][len('CREATE TABLE '):].rstrip(' ('))
    inserts = env.create_statement_set()
    for i, t in enumerate(tables):
        env.execute_sql(
            f"CREATE TABLE weir_out_{i} WITH ('connector' = 'filesystem', 'path' = 'file://{work}/{i}', "
            f"'format' = 'json', 'json.encode.decimal-as-plain-number' = 'true') LIKE {t} (EXCLUDING ALL)")
        inserts.add_insert_sql(
            f"INSERT INTO weir_out_{i} SELECT * FROM {t} /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */")
    inserts.execute().wait()
    return tables


try:
    tables = run()
except Exception as e:
    # Py4J errors carry the whole Java stack: keep the messages and their causes.
    text = '\n'.join(l for l in str(e).splitlines() if not l.strip().startswith('at ') and l.strip())
    sys.stderr.write(text[:6000] + '\n')
    sys.exit(1)
for i, t in enumerate(tables):
    name = t[1:-1].replace(BQ + BQ, BQ)
    for f in sorted(glob.glob(os.path.join(work, str(i), '**', '*'), recursive=True)):
        if os.path.isfile(f) and not os.path.basename(f).startswith('.'):
            for line in open(f, encoding='utf-8'):
                if line.strip():
                    sys.stdout.write(name + '\t' + line.rstrip('\n') + '\n')
`;

/** JSON with every number kept as its source text (BIGINT beyond 2^53, DECIMAL(38, 10)). */
function parseExact(text: string): Record<string, unknown> {
  return JSON.parse(text, (_k, v, context?: { source?: string }) =>
    typeof v === 'number' ? context!.source : v,
  );
}

const SCHEMA = `
      id: BIGINT NOT NULL
      flag: BOOLEAN
      tiny: TINYINT
      small: SMALLINT NOT NULL
      level: INT
      ratio: FLOAT
      score: DOUBLE
      price: DECIMAL(12,2)
      big: DECIMAL(38,10)
      name: STRING
      code: VARCHAR(16)
      payload: BINARY
      day: DATE
      ts3: TIMESTAMP(3)
      ts6: TIMESTAMP(6)
      ltz3: TIMESTAMP_LTZ(3)
      ltz6: TIMESTAMP_LTZ(6)
      tags: ARRAY<STRING>
      attrs: MAP<STRING, INT>
      profile: ROW<city STRING, zip INT, hist ARRAY<ROW<n BIGINT, at TIMESTAMP_LTZ(3)>>>
      doc: JSON`;

const INPUT = [
  {
    id: '9007199254740993',
    flag: true,
    tiny: -7,
    small: 300,
    level: 42,
    ratio: 1.5,
    score: -2.25,
    price: '12345.67',
    big: '1234567890123456789012345678.0123456789',
    name: 'héllo "q" 名字',
    code: 'abc',
    payload: 'aGk=',
    day: '2026-03-04',
    ts3: '2026-03-04 05:06:07.891',
    ts6: '2026-03-04 05:06:07.891234',
    ltz3: '2026-03-04 05:06:07.891Z',
    ltz6: '2026-03-04 05:06:07.891234Z',
    tags: ['a', 'b'],
    attrs: { x: 1, y: null },
    profile: { city: 'Oslo', zip: 123, hist: [{ n: 1, at: '2026-01-01 00:00:00.001Z' }] },
    doc: { k: [1, 2] },
  },
  { id: '-9007199254740993', small: 1, ltz3: '1969-12-31 23:59:59.999Z' },
  {
    id: '9223372036854775807',
    flag: false,
    tiny: -128,
    small: -32768,
    level: -2147483648,
    ratio: 0.25,
    score: 1234.5,
    price: '-0.01',
    big: '-9999999999999999999999999999.9999999999',
    name: '',
    code: 'x',
    day: '1900-01-01',
    ts3: '1969-12-31 23:59:59.999',
    ts6: '1969-12-31 23:59:59.999999',
    ltz3: '2038-01-19 03:14:08.000Z',
    ltz6: '1970-01-01 00:00:00.000001Z',
    tags: [],
    attrs: {},
    profile: { city: null, zip: null, hist: [] },
    doc: [],
  },
];

/** The input line: the BIGINT id as a bare JSON number (exact beyond 2^53); DECIMALs stay strings. */
const inputLine = (row: Record<string, unknown>) =>
  JSON.stringify(row).replace(/"id":"(-?[0-9]+)"/, '"id":$1');

/** Numbers as their text, the way parseExact reads them. */
function numbersAsText(v: unknown): unknown {
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(numbersAsText);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, numbersAsText(x)]));
  }
  return v;
}

/** A row as Weir's JSON sink writes it (and Flink's json format reads it): every column, nulls included. */
const COLUMNS = [...SCHEMA.matchAll(/^ {6}(\w+):/gm)].map((m) => m[1]!);
function weirJson(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of COLUMNS)
    out[c] =
      c === 'doc' ? (row.doc === undefined ? null : JSON.stringify(row.doc)) : numbersAsText(row[c] ?? null);
  return out;
}

/**
 * Timestamp text without trailing fraction zeros: Flink's JSON writer strips them, Weir's writes
 * the column's precision ('...08.000Z' and '...08Z' are the same instant).
 */
function trimFractions(v: unknown): unknown {
  if (typeof v === 'string') {
    return /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+Z?$/.test(v) ? v.replace(/\.?0+(Z?)$/, '$1') : v;
  }
  if (Array.isArray(v)) return v.map(trimFractions);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, trimFractions(x)]));
  }
  return v;
}

/** Microseconds since 1970-01-01 of 'yyyy-MM-dd HH:mm:ss.ffffff[Z]' (UTC), as text. */
function micros(ts: string | null): string | null {
  if (ts === null) return null;
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6})Z?$/.exec(ts)!;
  const [y, mo, d, h, mi, s, f] = m.slice(1).map(Number) as number[];
  return String(BigInt(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!)) * 1000n + BigInt(f!));
}
const noZ = (ts: string | null) => (ts === null ? null : ts.replace(/Z$/, ''));

/**
 * The same row as Flink's avro-confluent format reads Weir's Avro (see flinkAvroType):
 * TIMESTAMP_LTZ(3) as TIMESTAMP(3) in UTC, precision-6 timestamps as BIGINT microseconds.
 */
function flinkAvro(row: Record<string, unknown>): Record<string, unknown> {
  const out = weirJson(row);
  out.ts6 = micros(out.ts6 as string | null);
  out.ltz3 = noZ(out.ltz3 as string | null);
  out.ltz6 = micros(out.ltz6 as string | null);
  if (out.profile) {
    const p = out.profile as { hist: { at: string }[] };
    p.hist = p.hist.map((h) => ({ ...h, at: noZ(h.at)! }));
  }
  return out;
}

test('Flink SQL reads Avro (keyed, timestamp-keyed) and JSON sinks with the DDL weir ddl prints', async (t) => {
  const [py, jars] = await Promise.all([pythonEnv('flink', [PYFLINK]), flinkJars()]);
  if (py.skip !== undefined || jars.skip !== undefined) {
    const reason = py.skip ?? jars.skip!;
    t.diagnostic(reason);
    t.skip(reason);
    return;
  }

  const dir = await mkdtemp(join(tmpdir(), 'weir-flink-'));
  dirs.push(dir);
  const registry = `http://127.0.0.1:${await freePort()}`;
  const topics = {
    avro: uniqueName('flink-avro'),
    time: uniqueName('flink-avro-time'),
    json: uniqueName('flink-json'),
  };
  const kafka = (topic: string, rest: string) =>
    `{ brokers: [${broker.brokers.join(',')}], topic: ${topic}, create: { partitions: 2 }${rest} }`;
  await writeFile(join(dir, 'in.log'), INPUT.map(inputLine).join('\n') + '\n');
  await writeFile(
    join(dir, 'weir.yaml'),
    `
sources:
  game: { files: { path: in.log } }
tables:
  wide:
    source: game
    parser: { json: {} }
    schema:${SCHEMA}
sinks:
  shown:
    table: wide
    console: {}
  wide_avro:
    table: wide
    kafka: ${kafka(topics.avro, `, format: avro, registry: "${registry}", key: [id]`)}
  wide_by_time:
    table: wide
    kafka: ${kafka(topics.time, `, format: avro, registry: "${registry}", key: [ltz3, name]`)}
  wide_json:
    table: wide
    kafka: ${kafka(topics.json, ', key: [id, ltz3]')}
`,
  );

  server = spawn(process.execPath, [CLI, 'serve', dir, '--port', new URL(registry).port], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let served = '';
  server.stdout!.on('data', (d) => (served += d));
  server.stderr!.on('data', (d) => (served += d));
  for (let i = 0; i < 150 && !/schema registry at/.test(served); i++) await sleep(100);
  assert.match(served, /schema registry at/, served);

  const run = spawnSync(process.execPath, [CLI, 'run', dir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr + run.stdout);
  const loaded = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map(parseExact);
  const expected = INPUT.map(weirJson);
  assert.deepEqual(loaded, expected, 'Weir loaded the input rows (its console sink)');

  const ddl = spawnSync(process.execPath, [CLI, 'ddl', dir, '--dialect', 'flink'], { encoding: 'utf8' });
  assert.equal(ddl.status, 0, ddl.stderr);
  const ddlFile = join(dir, 'flink.sql');
  await writeFile(ddlFile, ddl.stdout);
  t.diagnostic(ddl.stdout);

  const started = Date.now();
  const work = join(dir, 'flink-out');
  const out = await runPython(py, READ_ALL, [jars.jars.map((j) => `file://${j}`).join(';'), ddlFile, work]);
  t.diagnostic(`Flink read the three topics in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const rows: Record<string, Record<string, unknown>[]> = {};
  for (const line of out.split('\n').filter((l) => l.includes('\t'))) {
    const [table, json] = line.split('\t') as [string, string];
    rows[table] = [...(rows[table] ?? []), trimFractions(parseExact(json)) as Record<string, unknown>];
  }
  const byId = (a: Record<string, unknown>, b: Record<string, unknown>) =>
    BigInt(a.id as string) < BigInt(b.id as string) ? -1 : 1;
  for (const list of Object.values(rows)) list.sort(byId);
  const sorted = (list: Record<string, unknown>[]) => trimFractions([...list].sort(byId));
  assert.deepEqual(rows.wide_avro, sorted(INPUT.map(flinkAvro)), 'wide_avro');
  assert.deepEqual(rows.wide_by_time, sorted(INPUT.map(flinkAvro)), 'wide_by_time');
  assert.deepEqual(rows.wide_json, sorted(expected), 'wide_json');
});
