// Spark reads Weir's warehouse tables exactly, through the DDL `weir ddl` prints: the Hive dialect
// for text (and parquet) and the Spark dialect for text, json and parquet. One PySpark process
// (local, Hive support, Derby metastore in a temp folder) runs every statement; it prints one JSON
// line per query and the comparison with the rows put in happens here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext, test } from 'node:test';
import { pythonEnv, runPython } from './python-env.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'src', 'cli', 'main.ts');
const GOLDEN = join(ROOT, 'test', 'golden', 'types');

// The column types as the comparison needs them (how each value looks once Spark returns it).
type T =
  | 'int'
  | 'float'
  | 'dec'
  | 'str'
  | 'json'
  | 'bool'
  | 'date'
  | 'ts'
  | 'bin'
  | { array: T }
  | { map: [T, T] }
  | { row: Record<string, T> };

const nest = (n: number, t: T): T => (n <= 1 ? t : { array: nest(n - 1, t) });

const COLUMNS: [name: string, weir: string, t: T][] = [
  ['id', 'BIGINT NOT NULL', 'int'],
  ['s', 'STRING', 'str'],
  ['userName', 'STRING', 'str'],
  ['big', 'BIGINT', 'int'],
  ['n', 'INT', 'int'],
  ['small', 'SMALLINT', 'int'],
  ['flag', 'BOOLEAN', 'bool'],
  ['f', 'FLOAT', 'float'],
  ['d', 'DOUBLE', 'float'],
  ['amount', 'DECIMAL(20,4)', 'dec'],
  ['code', 'VARCHAR(8)', 'str'],
  ['day', 'DATE', 'date'],
  ['ts', 'TIMESTAMP(6)', 'ts'],
  ['ltz', 'TIMESTAMP_LTZ(3)', 'ts'],
  ['bin', 'BINARY', 'bin'],
  ['extra', 'JSON', 'json'],
  ['tags', 'ARRAY<STRING>', { array: 'str' }],
  ['attrs', 'MAP<STRING, INT>', { map: ['str', 'int'] }],
  ['bylevel', 'MAP<INT, STRING>', { map: ['int', 'str'] }],
  [
    'p',
    'ROW<a STRING, b INT, `select` ARRAY<STRING>>',
    { row: { a: 'str', b: 'int', select: { array: 'str' } } },
  ],
  [
    'hist',
    'ARRAY<ROW<k STRING, m MAP<STRING, STRING>>>',
    { array: { row: { k: 'str', m: { map: ['str', 'str'] } } } },
  ],
  // Nine nesting levels: Hive needs hive.serialization.extend.nesting.levels past the eighth.
  ['deep', `${'ARRAY<'.repeat(8)}STRING${'>'.repeat(8)}`, nest(8, { array: 'str' })],
  ['part', 'STRING', 'str'],
  ['hr', 'INT NOT NULL', 'int'],
];
const NAMES = COLUMNS.map((c) => c[0]);
// Every separator Weir's text writer uses for these nestings, plus the escape, CR and LF.
const NASTY = 'back\\slash \\N tab\there \u0001f\u0002c\u0003m\u0004d\u0005e nl\nline cr\r end';

type In = Record<string, unknown>;
const nulls = (row: In): In => Object.fromEntries(NAMES.map((n) => [n, row[n] ?? null]));
const ROWS: In[] = [
  nulls({
    id: 1,
    s: NASTY,
    userName: 'Ann',
    big: '9007199254740993',
    n: 5,
    small: -32768,
    flag: true,
    f: 1.5,
    d: 0.1,
    amount: '12.3400',
    code: 'a\u0001b\\c',
    day: '2026-01-02',
    ts: '2026-01-02 03:04:05.123456',
    ltz: '2026-01-02 03:04:05.123',
    bin: 'AAEC/w==',
    extra: { a: [1, 'x\\y\n'] },
    tags: ['a\\b', 'c\u0002d', null, '', '\\N'],
    attrs: { 'k\u0003=': 1, z: null, '\\N': 2 },
    bylevel: { 1: 'one\u0003', 2: null },
    p: { a: 'x\ny\u0002', b: 2, select: ['\u0003', 'q\\'] },
    hist: [
      { k: 'k\u0004', m: { 'a\u0005': 'b\u0004\\', c: null } },
      { k: null, m: {} },
    ],
    deep: [[[[[[[['a\u000b\u000e\u001d', 'b']]]]]]], [[[[[[['\\']]]]]]]],
    part: 'x',
    hr: 1,
  }),
  nulls({ id: 2, s: '\\N', userName: null, part: 'a/b=c%', hr: 2 }),
  nulls({
    id: 3,
    s: '',
    userName: '',
    big: 0,
    n: 0,
    small: 0,
    flag: false,
    f: -0.25,
    d: -1e300,
    amount: '0.0000',
    code: '',
    day: '1999-12-31',
    ts: '1999-12-31 23:59:59.000000',
    ltz: '1999-12-31 23:59:59.999',
    bin: 'AA==',
    extra: [],
    tags: [],
    attrs: {},
    bylevel: {},
    p: { a: null, b: null, select: null },
    hist: [],
    part: null,
    hr: 3,
  }),
  nulls({
    id: 4,
    s: 'NULL',
    userName: '中文 😀',
    big: '-9223372036854775808',
    n: 2147483647,
    small: 32767,
    f: 'NaN',
    d: '-Infinity',
    amount: '-9999999999999999.9999',
    code: '😀é',
    day: '2026-11-25',
    ts: '2026-11-25 00:00:00.000001',
    ltz: '2026-11-25 23:59:59.000',
    bin: '8J+YgA==',
    extra: 'text',
    tags: ['中', 'N'],
    attrs: { é: -1 },
    bylevel: { '-7': '\\' },
    p: { a: '', b: 0, select: [] },
    hist: [{ k: '', m: { '': '' } }],
    part: 'é 中',
    hr: 1,
  }),
  nulls({ id: 5, s: 'N', extra: null, tags: ['\\', '\\\\N'], part: 'x', hr: 1 }),
];

/** A value as the Python side prints it (see conv in SCRIPT). */
function expected(t: T, v: unknown): unknown {
  if (v === null) return null;
  if (t === 'int') return { int: String(v) };
  if (t === 'float') return { float: String(v) };
  if (t === 'dec') return { dec: v };
  if (t === 'json') return JSON.stringify(v);
  if (t === 'date') return { date: v };
  if (t === 'ts') return { ts: (v as string).padEnd(26, '0') };
  if (t === 'bin') return { b64: v };
  if (t === 'str' || t === 'bool') return v;
  if ('array' in t) return (v as unknown[]).map((x) => expected(t.array, x));
  if ('map' in t) {
    const [k, x] = t.map;
    return { map: Object.entries(v as object).map(([a, b]) => [expected(k, a), expected(x, b)]) };
  }
  return Object.fromEntries(Object.entries(t.row).map(([n, x]) => [n, expected(x, (v as In)[n] ?? null)]));
}

/** Map entries in one order on both sides (Spark keeps no map order). */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if (Array.isArray(o.map)) {
    const pairs = (o.map as unknown[][]).map((p) => p.map(canonical));
    return { map: pairs.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) };
  }
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, canonical(x)]));
}

const truth = (over: (row: Record<string, unknown>, input: In) => void = () => {}) =>
  ROWS.map((input) => {
    const row = Object.fromEntries(COLUMNS.map(([n, , t]) => [n, expected(t, input[n])]));
    over(row, input);
    return canonical(row);
  });

const SCRIPT = `
import base64, datetime, decimal, json, math, sys
work, steps_file = sys.argv[1], sys.argv[2]
from pyspark.sql import SparkSession, Row
spark = (SparkSession.builder.master('local[1]').appName('weir-spark-test')
  .config('spark.ui.enabled', 'false')
  .config('spark.sql.warehouse.dir', work + '/spark-warehouse')
  .config('spark.hadoop.javax.jdo.option.ConnectionURL',
          'jdbc:derby:;databaseName=' + work + '/metastore_db;create=true')
  .config('spark.driver.extraJavaOptions', '-Dderby.system.home=' + work)
  # Not UTC, so a TIMESTAMP_LTZ read in the session zone instead of UTC would show.
  .config('spark.sql.session.timeZone', 'Asia/Tokyo')
  .config('spark.sql.shuffle.partitions', '1')
  .enableHiveSupport().getOrCreate())
spark.sparkContext.setLogLevel('ERROR')

def conv(v):
  if v is None or isinstance(v, (bool, str)): return v
  if isinstance(v, int): return {'int': str(v)}
  if isinstance(v, float):
    if math.isnan(v): return {'float': 'NaN'}
    if math.isinf(v): return {'float': 'Infinity' if v > 0 else '-Infinity'}
    return {'float': repr(v)}
  if isinstance(v, decimal.Decimal): return {'dec': format(v, 'f')}
  if isinstance(v, datetime.datetime): return {'ts': v.strftime('%Y-%m-%d %H:%M:%S.%f')}
  if isinstance(v, datetime.date): return {'date': v.isoformat()}
  if isinstance(v, (bytes, bytearray)): return {'b64': base64.b64encode(v).decode()}
  if isinstance(v, dict): return {'map': [[conv(k), conv(x)] for k, x in v.items()]}
  if isinstance(v, Row): return {k: conv(x) for k, x in v.asDict().items()}
  if isinstance(v, list): return [conv(x) for x in v]
  raise TypeError(type(v))

for step in json.load(open(steps_file)):
  out = {'key': step['key']}
  try:
    for sql in step['sql']:
      spark.sql(sql).collect()
    df = spark.sql(step['query'])
    out['columns'] = df.columns
    out['rows'] = [conv(r) for r in df.collect()]
  except Exception as e:
    out['error'] = str(e)[:2000]
  for sql in step.get('after', []):
    spark.sql(sql).collect()
  print('WEIR ' + json.dumps(out), flush=True)
spark.stop()
`;

const CONFIG = `warehouse: ./warehouse
sources:
  s: { files: { path: "data/*.log" } }
tables:
  t:
    source: s
    parser: { json: {} }
    schema:
${COLUMNS.map(([n, w]) => `      ${n}: "${w}"`).join('\n')}
sinks:
${['text', 'json', 'parquet']
  .map(
    (f) =>
      `  ${f}: { table: t, hive: { database: db, table: t_${f}, format: ${f}, partitioned_by: [part, hr] } }`,
  )
  .join('\n')}
`;

interface Step {
  key: string;
  sql: string[];
  query: string;
  after?: string[];
}
type Result = { key: string; columns?: string[]; rows?: unknown[]; error?: string };
type Setup = { skip: string } | { results: Map<string, Result>; ddl: Map<string, ReturnType<typeof weir>> };

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function weir(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let pending: Promise<Setup> | undefined;
const setup = (): Promise<Setup> => (pending ??= makeSetup());

async function makeSetup(): Promise<Setup> {
  const env = await pythonEnv('spark', ['pyspark==4.3.0']);
  if (env.skip !== undefined) return { skip: env.skip };
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.status !== 0)
    return { skip: `PySpark needs Java: java -version failed: ${java.error ?? java.stderr}` };

  const dir = await mkdtemp(join(tmpdir(), 'weir-spark-'));
  dirs.push(dir);
  await mkdir(join(dir, 'data'));
  await writeFile(join(dir, 'weir.yaml'), CONFIG);
  await writeFile(join(dir, 'data', 'in.log'), `${ROWS.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const run = weir('run', dir);
  assert.equal(run.status, 0, `weir run failed:\n${run.stderr}`);

  // As a user would: one sink at a time, for each dialect.
  const ddl = new Map<string, ReturnType<typeof weir>>();
  const steps: Step[] = [];
  const table = (format: string, dialect: string, key: string) => {
    const r = weir('ddl', dir, '--dialect', dialect, '--sink', format);
    ddl.set(key, r);
    if (r.status !== 0) return;
    steps.push({
      key,
      sql: ['CREATE DATABASE IF NOT EXISTS db', r.stdout, `MSCK REPAIR TABLE db.t_${format}`],
      query: `SELECT * FROM db.t_${format} ORDER BY id`,
      after: [`DROP TABLE IF EXISTS db.t_${format}`],
    });
  };
  for (const format of ['text', 'parquet']) table(format, 'hive', `hive-${format}`);
  for (const format of ['text', 'json', 'parquet']) table(format, 'spark', `spark-${format}`);

  // The wide golden DDLs (every type, comments, odd names) must be accepted and readable.
  for (const name of ['hive-text', 'hive-parquet', 'spark-text', 'spark-json', 'spark-parquet']) {
    const location = join(dir, 'golden', name);
    await mkdir(location, { recursive: true });
    const text = await readFile(join(GOLDEN, `${name}.sql`), 'utf8').catch(() => '');
    if (text === '') continue;
    steps.push({
      key: `golden-${name}`,
      sql: [
        'CREATE DATABASE IF NOT EXISTS game_logs',
        text.replace(/^LOCATION '.*'$/m, `LOCATION '${location}'`),
      ],
      query: 'SELECT * FROM game_logs.login',
      after: ['DROP TABLE IF EXISTS game_logs.login'],
    });
  }

  const stepsFile = join(dir, 'steps.json');
  await writeFile(stepsFile, JSON.stringify(steps));
  const work = join(dir, 'spark');
  await mkdir(work);
  // The JVM in UTC: Hive text TIMESTAMPs go through java.sql.Timestamp in the JVM's zone.
  const out = await runPython(env, SCRIPT, [work, stepsFile], { TZ: 'UTC' });
  const results = new Map<string, Result>();
  for (const line of out.split('\n')) {
    if (!line.startsWith('WEIR ')) continue;
    const r = JSON.parse(line.slice(5)) as Result;
    results.set(r.key, r);
  }
  return { results, ddl };
}

async function read(t: TestContext, key: string): Promise<Result | undefined> {
  const s = await setup();
  if ('skip' in s) {
    t.diagnostic(`skipped: ${s.skip}`);
    t.skip(s.skip);
    return undefined;
  }
  const ddl = s.ddl.get(key);
  if (ddl) assert.equal(ddl.status, 0, `weir ddl failed for ${key}:\n${ddl.stderr}`);
  const r = s.results.get(key);
  assert.ok(r, `no result for ${key}`);
  assert.equal(r.error, undefined, `Spark failed on ${key}:\n${r.error}\nDDL:\n${ddl?.stdout ?? ''}`);
  return r;
}

async function assertRows(t: TestContext, key: string, want: unknown[]) {
  const r = await read(t, key);
  if (!r) return;
  assert.deepEqual(r.columns, NAMES, `${key}: column names and order`);
  assert.deepEqual((r.rows ?? []).map(canonical), want, `${key}: rows differ from the rows put in`);
}

// Spark returns the text __HIVE_DEFAULT_PARTITION__ for a null STRING partition of a Hive SerDe
// table (docs/warehouse.md); data source tables read null.
const hiveSerdeTruth = () =>
  truth((row, input) => {
    if (input.part === null) row.part = '__HIVE_DEFAULT_PARTITION__';
  });

test('Hive DDL, text: Spark reads every row and column exactly', async (t) => {
  await assertRows(t, 'hive-text', hiveSerdeTruth());
});

test('Hive DDL, parquet: Spark reads every row and column exactly', async (t) => {
  await assertRows(t, 'hive-parquet', truth());
});

test('Spark DDL, text: Spark reads every row and column exactly', async (t) => {
  await assertRows(t, 'spark-text', hiveSerdeTruth());
});

test('Spark DDL, json: exact rows; map keys are STRING, TIMESTAMP_LTZ read in UTC', async (t) => {
  const want = truth((row, input) => {
    const keys = input.bylevel as Record<string, string> | null;
    if (keys) row.bylevel = { map: Object.entries(keys).map(([k, v]) => [k, v]) };
  });
  await assertRows(t, 'spark-json', want);
});

test('Spark DDL, parquet: Spark reads every row and column exactly', async (t) => {
  await assertRows(t, 'spark-parquet', truth());
});

test('the golden Hive and Spark DDLs (every type) are accepted by Spark', async (t) => {
  const s = await setup();
  if ('skip' in s) {
    t.diagnostic(`skipped: ${s.skip}`);
    t.skip(s.skip);
    return;
  }
  for (const name of ['hive-text', 'hive-parquet', 'spark-text', 'spark-json', 'spark-parquet']) {
    const r = s.results.get(`golden-${name}`);
    assert.ok(r, `golden ${name}.sql missing`);
    assert.equal(r.error, undefined, `Spark refused test/golden/types/${name}.sql:\n${r.error}`);
    assert.equal(r.columns?.length, 36, `${name}: ${r.columns}`);
    assert.deepEqual(r.columns?.slice(-2), ['dt', 'hour'], name);
    assert.deepEqual(r.rows, []);
  }
});
