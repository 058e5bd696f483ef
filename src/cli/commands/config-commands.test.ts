// weir validate / schema / ddl, run as a user runs them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../../../', import.meta.url).pathname;

function weir(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'src/cli/main.ts'), ...args], {
    encoding: 'utf8',
    cwd: root,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function project(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'weir-cli-'));
  writeFileSync(join(dir, 'weir.yaml'), text);
  return dir;
}

const KAFKA = project(`sources: { g: { stdin: {} } }
tables:
  login:
    source: g
    parser: { json: {} }
    schema: { role_id: BIGINT NOT NULL, tags: "MAP<STRING, INT>" }
sinks:
  login_topic:
    table: login
    kafka: { brokers: ["k1:9092"], topic: game.login, format: avro, registry: "http://registry:8081", key: [role_id] }
  login_json:
    table: login
    kafka: { brokers: ["k1:9092"], topic: game.login.json }
`);

test('weir validate: a table no sink loads and a file pattern matching no file are warnings, exit 0', () => {
  const dir = project(`sources:
  game: { files: { path: "logs/*.log" } }
tables:
  login: { source: game, parser: { json: {} }, schema: { id: BIGINT } }
  pay: { source: game, parser: { json: {} }, schema: { id: BIGINT } }
sinks:
  l: { table: login, console: {} }
`);
  const r = weir('validate', dir);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trim().split('\n'), [
    'ok: 1 source, 2 tables, 1 sink',
    'warning: tables.pay: no sink loads table pay: its rows are counted but go nowhere',
    `warning: sources.game.files.path: "logs/*.log" matches no file in ${dir} now`,
  ]);
});

test('weir validate: a Parquet rolling.max_seconds longer than the checkpoint interval is a warning', () => {
  const sinks = (rolling: string) =>
    project(`sources: { game: { stdin: {} } }
tables:
  login: { source: game, parser: { json: {} }, schema: { id: BIGINT } }
sinks:
  p: { table: login, hive: { database: g, rolling: ${rolling} } }
  j: { table: login, hive: { database: g, format: json, rolling: { max_seconds: 600 } } }
`);
  const r = weir('validate', sinks('{ max_seconds: 600 }'));
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trim().split('\n'), [
    'ok: 1 source, 1 table, 2 sinks',
    'warning: sinks.p.hive.rolling.max_seconds: Parquet files close at every checkpoint (every 10 s, checkpoint.interval_seconds), so max_seconds 600 never applies; for fewer files raise the checkpoint interval, use format json or text (their files stay open across checkpoints), or compact the table',
  ]);
  // Not set (the default): no warning; JSON files stay open, so their max_seconds applies.
  assert.deepEqual(weir('validate', sinks('{ max_rows: 1000 }')).out.trim().split('\n'), [
    'ok: 1 source, 1 table, 2 sinks',
  ]);
});

test('weir validate: ok line and exit 0 for a valid project', () => {
  const r = weir('validate', 'examples/tour');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), 'ok: 1 source, 2 tables, 2 sinks');
});

test('weir validate: every problem as path: message, exit 1', () => {
  const dir = project(`sources: { g: { stdin: {} } }
tables:
  login:
    source: gg
    parser: { json: {} }
    schema: { role_id: BIGNIT }
`);
  const r = weir('validate', dir);
  assert.equal(r.code, 1);
  assert.match(r.err, /^tables\.login\.source: unknown source "gg" \(did you mean g\?\)$/m);
  assert.match(
    r.err,
    /^tables\.login\.schema\.role_id\.type: unknown type "BIGNIT" \(did you mean BIGINT\?\)$/m,
  );
});

test('weir validate: a missing folder or weir.yaml is a plain message, exit 1', () => {
  const missing = weir('validate', '/nonexistent/weir-project');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /project folder \/nonexistent\/weir-project not found/);
  const empty = weir('validate', mkdtempSync(join(tmpdir(), 'weir-none-')));
  assert.equal(empty.code, 1);
  assert.match(empty.err, /no weir\.yaml in /);
  assert.doesNotMatch(missing.err + empty.err, /at .*\.ts:\d+/, 'no stack traces');
});

test('weir schema prints the JSON Schema of weir.yaml', () => {
  const r = weir('schema');
  assert.equal(r.code, 0);
  const schema = JSON.parse(r.out);
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.deepEqual(schema.required, ['sources', 'tables']);
  assert.equal(schema.properties.tables.additionalProperties.properties.source.type, 'string');
});

test('weir ddl --dialect hive: Hive DDL with the default location', () => {
  const r = weir('ddl', 'examples/tour', '--dialect', 'hive', '--sink', 'login_hive');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /CREATE EXTERNAL TABLE IF NOT EXISTS `game`\.`login`/);
  assert.match(r.out, /PARTITIONED BY \(`dt` STRING\)/);
  assert.ok(r.out.includes(`LOCATION '${join(root, 'examples/tour/warehouse/game.db/login')}'`), r.out);
  assert.doesNotMatch(r.out, /program_log/);
});

test('weir ddl --dialect spark: a Spark data source table for a Hive sink', () => {
  const r = weir('ddl', 'examples/tour', '--dialect', 'spark', '--sink', 'login_hive');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^-- sink login_hive\nCREATE TABLE IF NOT EXISTS `game`\.`login` \(/);
  assert.match(r.out, /\nUSING parquet\nPARTITIONED BY \(`dt`\)\n/);
  assert.ok(r.out.includes(`LOCATION '${join(root, 'examples/tour/warehouse/game.db/login')}'`), r.out);
  const kafka = weir('ddl', KAFKA, '--dialect', 'spark');
  assert.equal(kafka.code, 1);
  assert.match(kafka.err, /no Hive sinks \(--dialect spark is for Hive sinks\)/);
});

test('weir ddl --dialect flink: one CREATE TABLE per Kafka sink', () => {
  const r = weir('ddl', KAFKA, '--dialect', 'flink');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.match(/CREATE TABLE/g)?.length, 2);
  assert.match(r.out, /'avro-confluent'/);
  assert.match(r.out, /'topic' = 'game\.login\.json'|'topic'='game\.login\.json'/);
});

test('weir ddl --dialect avro: the Avro schema of one sink', () => {
  const r = weir('ddl', KAFKA, '--dialect', 'avro', '--sink', 'login_topic');
  assert.equal(r.code, 0, r.err);
  const schema = JSON.parse(r.out);
  assert.equal(schema.type, 'record');
  // Named after the topic (game.login), as `weir run` registers it.
  assert.equal(schema.name, 'game_login');
  assert.deepEqual(
    schema.fields.map((f: { name: string }) => f.name),
    ['role_id', 'tags'],
  );
});

test('weir ddl: unknown sink gets a suggestion; a wrong dialect for the sink is explained', () => {
  const unknown = weir('ddl', KAFKA, '--sink', 'login_topc');
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /unknown sink "login_topc" \(did you mean login_topic\?\)/);
  const wrong = weir('ddl', KAFKA, '--dialect', 'hive');
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /no Hive sinks/);
  const dialect = weir('ddl', KAFKA, '--dialect', 'flnk');
  assert.equal(dialect.code, 2);
  assert.match(dialect.err, /unknown dialect "flnk" \(did you mean flink\?\)/);
});

test('--help on each command', () => {
  for (const cmd of ['validate', 'schema', 'ddl']) {
    const r = weir(cmd, '--help');
    assert.equal(r.code, 0);
    assert.match(r.out, new RegExp(`^Usage: weir ${cmd}`));
  }
});
