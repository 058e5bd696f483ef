import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadProject, loadProjectFromText } from './load.ts';
import { formatPath } from './problems.ts';
import type { Project } from './project.ts';
import { versionLabel } from './project-files.ts';
import { hiveTarget, sinkColumns } from './resolve.ts';

const dir = mkdtempSync(join(tmpdir(), 'weir-load-'));

const MINIMAL = `sources:
  game: { files: { path: "data/*.log" } }
tables:
  login:
    source: game
    parser: { json: {} }
    schema:
      role_id: BIGINT NOT NULL
      name: STRING
`;

async function load(text: string, at = dir): Promise<Project> {
  const r = await loadProjectFromText(text, at);
  if (!r.ok) assert.fail(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return r.project;
}

test('defaults are filled in and paths resolved against the project folder', async () => {
  const p = await load(MINIMAL);
  assert.equal(p.dir, dir);
  assert.equal(p.warehouse, join(dir, 'warehouse'));
  assert.deepEqual(p.config.sinks, {});
  assert.equal(p.config.checkpoint.interval_seconds, 10);
  assert.equal(p.config.counters.dated_ttl_days, 7);
  assert.equal(p.config.sources.game!.max_record_bytes, 16 * 1024 * 1024);
  assert.deepEqual(p.config.sources.game!.files, { path: 'data/*.log', follow: false });
  assert.deepEqual(p.tables[0]!.config.extend, []);
  assert.deepEqual(p.sinks, []);
});

test('an absolute warehouse stays; a relative one resolves against the project, a URI is kept', async () => {
  assert.equal((await load(`warehouse: /data/wh\n${MINIMAL}`)).warehouse, '/data/wh');
  assert.equal((await load(`warehouse: ../wh\n${MINIMAL}`)).warehouse, join(dir, '..', 'wh'));
  assert.equal((await load(`warehouse: s3://bucket/wh\n${MINIMAL}`)).warehouse, 's3://bucket/wh');
});

test('checkpoint.dir and errors.location resolve against the project folder, not the working directory', async () => {
  const p = await load(`checkpoint: { dir: ./ckpt }\nerrors: { location: ../errs }\n${MINIMAL}`);
  assert.equal(p.config.checkpoint.dir, join(dir, 'ckpt'));
  assert.equal(p.config.errors.location, join(dir, '..', 'errs'));
  const absolute = await load(`checkpoint: { dir: /var/weir/ckpt }\n${MINIMAL}`);
  assert.equal(absolute.config.checkpoint.dir, '/var/weir/ckpt');
});

test('version: the configured label, else a short hash of the text', async () => {
  assert.equal((await load(`version: v7\n${MINIMAL}`)).version, 'v7');
  const hashed = await load(MINIMAL);
  assert.match(hashed.version, /^[0-9a-f]{12}$/);
  assert.equal(hashed.version, versionLabel({ 'weir.yaml': MINIMAL }));
  assert.notEqual((await load(`${MINIMAL}# changed\n`)).version, hashed.version);
});

test('version of a project folder: a hash of weir.yaml and its code files, so a UDF-only change is a new version', async () => {
  const at = await mkdtemp(join(tmpdir(), 'weir-version-'));
  try {
    await writeFile(join(at, 'weir.yaml'), MINIMAL);
    await writeFile(join(at, 'udf.py'), 'def f(x):\n    return x\n');
    const before = await loadProject(at);
    assert.ok(before.ok);
    await writeFile(join(at, 'udf.py'), 'def f(x):\n    return x + 1\n');
    const after = await loadProject(at);
    assert.ok(after.ok);
    assert.match(after.project.version, /^[0-9a-f]{12}$/);
    assert.notEqual(after.project.version, before.project.version);
    // The label the center gives the same files (its sha256 starts with it).
    assert.equal(
      after.project.version,
      versionLabel({ 'weir.yaml': MINIMAL, 'udf.py': 'def f(x):\n    return x + 1\n' }),
    );
  } finally {
    await rm(at, { recursive: true, force: true });
  }
});

test('columns: declaration order, from defaults to the name, formats always a list', async () => {
  const p = await load(`sources: { g: { stdin: {} } }
tables:
  t:
    source: g
    parser: { json: {} }
    schema:
      z_last_alphabetically: INT
      when: { type: TIMESTAMP(3) NOT NULL, from: header.time, format: yyyy-MM-dd HH:mm:ss, timezone: UTC }
      day: { type: DATE, format: [yyyy-MM-dd, yyyyMMdd], on_error: "null" }
      a: STRING COMMENT 'from the type string'
      b: { type: "STRING COMMENT 'type comment'", comment: object comment }
`);
  const cols = p.tables[0]!.columns;
  assert.ok(
    cols.every((c) => !('default' in c)),
    'no default unless configured',
  );
  assert.deepEqual(
    cols.map((c) => c.name),
    ['z_last_alphabetically', 'when', 'day', 'a', 'b'],
  );
  const [z, when, day, a, b] = cols;
  assert.deepEqual(z, {
    name: 'z_last_alphabetically',
    type: { kind: 'INT', nullable: true },
    from: 'z_last_alphabetically',
    onError: 'error',
    formats: [],
  });
  assert.equal(when!.from, 'header.time');
  assert.deepEqual(when!.type, { kind: 'TIMESTAMP', precision: 3, nullable: false });
  assert.deepEqual(when!.formats, ['yyyy-MM-dd HH:mm:ss']);
  assert.equal(when!.timezone, 'UTC');
  assert.deepEqual(day!.formats, ['yyyy-MM-dd', 'yyyyMMdd']);
  assert.equal(day!.onError, 'null');
  assert.equal(a!.comment, 'from the type string');
  assert.equal(b!.comment, 'object comment');
});

test('defaults become the runtime form of the column type', async () => {
  const p = await load(`sources: { g: { stdin: {} } }
tables:
  t:
    source: g
    parser: { json: {} }
    schema:
      big: { type: BIGINT, default: "9007199254740993" }
      lv: INT DEFAULT 0
      price: { type: "DECIMAL(10,2)", default: 1.5 }
      day: { type: DATE, default: "1970-01-11" }
      at: { type: TIMESTAMP(6), default: "1970-01-01 00:00:01.000002" }
      tags: { type: ARRAY<STRING>, default: [] }
      extra: { type: JSON, default: { a: 1 } }
      nothing: { type: STRING, default: null }
`);
  const d = Object.fromEntries(p.tables[0]!.columns.map((c) => [c.name, c.default]));
  assert.equal(d.big, 9007199254740993n);
  assert.equal(d.lv, 0);
  assert.equal(d.price, 150n);
  assert.equal(d.day, 10);
  assert.equal(d.at, 1_000_002);
  assert.deepEqual(d.tags, []);
  assert.equal(d.extra, '{"a":1}');
  assert.equal(d.nothing, null);
});

test('sink helpers: Hive location defaults under the warehouse; sink columns follow the sink', async () => {
  const p = await load(`${MINIMAL}sinks:
  login: { table: login, hive: { database: game } }
  elsewhere: { table: login, columns: [name, role_id], hive: { database: game, table: t2, location: out/t2 } }
`);
  const [login, elsewhere] = p.sinks;
  assert.deepEqual(hiveTarget(p, 'login', login!.config.hive!), {
    database: 'game',
    table: 'login',
    location: join(dir, 'warehouse', 'game.db', 'login'),
  });
  assert.equal(hiveTarget(p, 'elsewhere', elsewhere!.config.hive!).location, join(dir, 'out', 't2'));
  assert.deepEqual(
    sinkColumns(p.tables[0]!, elsewhere!).map((c) => c.name),
    ['name', 'role_id'],
  );
});

test('UDF files are found relative to the project folder', async () => {
  const project = mkdtempSync(join(tmpdir(), 'weir-udf-'));
  mkdirSync(join(project, 'udf'));
  writeFileSync(join(project, 'udf', 'fix.py'), 'def fix(line):\n    return line\n');
  const text = MINIMAL.replace('parser:', 'preprocess: udf/fix.py#fix\n    parser:');
  await load(text, project);
  const elsewhere = await loadProjectFromText(text, dir);
  assert.equal(elsewhere.ok, false);
});

test('loadProject: missing folder and missing weir.yaml are plain problems', async () => {
  const missing = await loadProject(join(dir, 'nope'));
  assert.equal(missing.ok, false);
  if (!missing.ok) assert.match(missing.problems[0]!.message, /project folder .*nope not found/);
  const empty = mkdtempSync(join(tmpdir(), 'weir-empty-'));
  const noYaml = await loadProject(empty);
  assert.equal(noYaml.ok, false);
  if (!noYaml.ok) assert.match(noYaml.problems[0]!.message, /no weir\.yaml in /);
  writeFileSync(join(empty, 'weir.yaml'), MINIMAL);
  const ok = await loadProject(empty);
  assert.equal(ok.ok, true);
});

test('config paths: dotted keys, list indexes, odd keys quoted', () => {
  assert.equal(formatPath(['tables', 'login', 'extend', 1, 'udf']), 'tables.login.extend[1].udf');
  assert.equal(formatPath(['tables', 't', 'schema', 'a.b']), 'tables.t.schema["a.b"]');
  assert.equal(formatPath([]), '');
});
