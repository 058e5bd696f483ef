import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import { avroSchema } from './avro.ts';
import { DerivationError } from './errors.ts';
import { flinkKafkaDdl } from './flink.ts';
import { type HiveTableSpec, hiveDdl, hiveString, sparkDdl } from './hive.ts';
import { type JsonSchema, rowJsonSchema } from './jsonschema.ts';
import { decimalByteLength, parquetSchemaText } from './parquet.ts';
import { column } from './test-support.ts';

function derivationError(fn: () => unknown, message: string, columnName?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DerivationError, String(e));
    assert.equal(e.message, message);
    assert.equal(e.column, columnName);
    return true;
  });
}

const hiveSpec = (over: Partial<HiveTableSpec> = {}): HiveTableSpec => ({
  database: 'db',
  table: 't',
  columns: [column('id', 'BIGINT'), column('dt', 'STRING'), column('tags', 'ARRAY<STRING>')],
  partitionedBy: ['dt'],
  format: 'parquet',
  location: '/w/db.db/t',
  ...over,
});

test('hiveDdl: partition columns leave the data columns; optional clauses only when given', () => {
  const ddl = hiveDdl(hiveSpec());
  assert.equal(
    ddl,
    [
      'CREATE EXTERNAL TABLE IF NOT EXISTS `db`.`t` (',
      '  `id` BIGINT,',
      '  `tags` ARRAY<STRING>',
      ')',
      'PARTITIONED BY (`dt` STRING)',
      'STORED AS PARQUET',
      "LOCATION '/w/db.db/t'",
    ].join('\n'),
  );
  assert.doesNotMatch(hiveDdl(hiveSpec({ partitionedBy: [] })), /PARTITIONED BY/);
});

test('hiveDdl: bad partitions and column names are plain errors', () => {
  derivationError(
    () => hiveDdl(hiveSpec({ partitionedBy: ['dtt'] })),
    'partition column "dtt" is not a column of the table (did you mean "dt"?)',
    'dtt',
  );
  derivationError(
    () => hiveDdl(hiveSpec({ partitionedBy: ['tags'] })),
    'partition column "tags" must have a primitive type, got ARRAY<STRING>',
    'tags',
  );
  derivationError(
    () => hiveDdl(hiveSpec({ partitionedBy: ['dt', 'dt'] })),
    'partition column "dt" is listed twice',
    'dt',
  );
  derivationError(
    () => hiveDdl(hiveSpec({ columns: [column('dt', 'STRING')] })),
    'every column is a partition column; Hive needs at least one data column',
  );
  derivationError(
    () => hiveDdl(hiveSpec({ columns: [column('Id', 'INT'), column('id', 'INT'), column('dt', 'STRING')] })),
    'duplicate column "id" (same as "Id" apart from case)',
    'id',
  );
});

test('hiveDdl: text tables are backslash-escaped, CR/LF as \\r and \\n, deep nesting allowed', () => {
  const ddl = hiveDdl(hiveSpec({ format: 'text', properties: { a: 'b' } }));
  assert.match(ddl, /^ {2}FIELDS TERMINATED BY '\\001' ESCAPED BY '\\\\'$/m);
  assert.match(ddl, /^ {2}NULL DEFINED AS '\\\\N'$/m);
  assert.ok(
    ddl.endsWith(
      [
        'TBLPROPERTIES (',
        "  'serialization.escape.crlf'='true',",
        "  'hive.serialization.extend.nesting.levels'='true',",
        "  'a'='b'",
        ')',
      ].join('\n'),
    ),
    ddl,
  );
});

test('hiveDdl: the json table names the jar holding its SerDe', () => {
  const ddl = hiveDdl(hiveSpec({ format: 'json' }));
  assert.match(
    ddl,
    /^-- org\.apache\.hive\.hcatalog\.data\.JsonSerDe is in the jar org\.apache\.hive\.hcatalog:hive-hcatalog-core\n/,
  );
  assert.match(ddl, /ROW FORMAT SERDE 'org\.apache\.hive\.hcatalog\.data\.JsonSerDe'/);
});

test('sparkDdl: a data source table, partition columns last, zone-less TIMESTAMP as TIMESTAMP_NTZ', () => {
  const columns = [
    column('dt', 'STRING'),
    column('id', 'BIGINT'),
    column('at', 'TIMESTAMP(3)'),
    column('seen', 'TIMESTAMP_LTZ'),
    column('by_level', 'MAP<INT, ARRAY<MAP<BIGINT, STRING>>>'),
  ];
  assert.equal(
    sparkDdl(hiveSpec({ columns, properties: { 'parquet.compression': 'ZSTD' } })),
    [
      'CREATE TABLE IF NOT EXISTS `db`.`t` (',
      '  `id` BIGINT,',
      '  `at` TIMESTAMP_NTZ,',
      '  `seen` TIMESTAMP,',
      '  `by_level` MAP<INT,ARRAY<MAP<BIGINT,STRING>>>,',
      '  `dt` STRING',
      ')',
      'USING parquet',
      'PARTITIONED BY (`dt`)',
      "LOCATION '/w/db.db/t'",
      'TBLPROPERTIES (',
      "  'parquet.compression'='ZSTD'",
      ')',
    ].join('\n'),
  );
  // Spark's JSON reader reads map keys as text only, and Weir writes TIMESTAMP_LTZ in UTC.
  const json = sparkDdl(hiveSpec({ columns, format: 'json', partitionedBy: [] }));
  assert.match(
    json,
    /`by_level` MAP<STRING,ARRAY<MAP<STRING,STRING>>>\n\)\nUSING json\nOPTIONS \('timeZone'='UTC'\)\nLOCATION/,
  );
  const text = sparkDdl(hiveSpec({ format: 'text' }));
  assert.ok(text.startsWith('-- Spark reads'), text);
  assert.ok(text.endsWith(hiveDdl(hiveSpec({ format: 'text' }))), text);
  derivationError(
    () => sparkDdl(hiveSpec({ partitionedBy: ['dtt'] })),
    'partition column "dtt" is not a column of the table (did you mean "dt"?)',
    'dtt',
  );
});

test('hiveString escapes what Hive unescapes', () => {
  assert.equal(hiveString("a'b\\c\nd\u0001e"), "'a\\'b\\\\c\\nd\\001e'");
  assert.equal(hiveString('中文 ok'), "'中文 ok'");
});

test('flinkKafkaDdl: checks key fields, format and the registry', () => {
  const base = {
    table: 't',
    columns: [column('id', 'BIGINT'), column('name', 'STRING')],
    topic: 'x',
    brokers: ['k:9092'],
  };
  derivationError(
    () => flinkKafkaDdl({ ...base, format: 'json', key: ['ide'] }),
    'key field "ide" is not a column of the table (did you mean "id"?)',
    'ide',
  );
  derivationError(
    () => flinkKafkaDdl({ ...base, format: 'avro' }),
    'format avro needs the schema registry URL (registry)',
  );
  derivationError(
    () =>
      flinkKafkaDdl({
        ...base,
        columns: [column('user-id', 'BIGINT')],
        format: 'avro',
        registryUrl: 'http://r:8081',
      }),
    'column "user-id": "user-id" is not a valid Avro name (use letters, digits and _, not starting with a digit)',
    'user-id',
  );
  derivationError(
    () => flinkKafkaDdl({ ...base, brokers: [], format: 'json' }),
    'the Kafka sink needs at least one broker',
  );
  const ddl = flinkKafkaDdl({ ...base, format: 'avro', registryUrl: 'http://r:8081' });
  assert.match(ddl, /'format' = 'avro-confluent',\n {2}'avro-confluent.url' = 'http:\/\/r:8081'\n\)$/);
  assert.doesNotMatch(ddl, /key\.|properties\.group\.id/);
});

test("flinkKafkaDdl avro: types Flink's avro-confluent reads, and the JSON key Weir writes", () => {
  const spec = {
    table: 't',
    columns: [
      column('id', 'BIGINT NOT NULL'),
      column('at', 'TIMESTAMP_LTZ(3)'),
      column('wall', 'TIMESTAMP(3)'),
      column('fine', 'TIMESTAMP_LTZ(6) NOT NULL'),
      column('hist', 'ARRAY<ROW<n INT, at TIMESTAMP(9)>>'),
    ],
    topic: 'x',
    brokers: ['k:9092'],
    format: 'avro' as const,
    registryUrl: 'http://r:8081',
  };
  const keyed = flinkKafkaDdl({ ...spec, key: ['id'] });
  assert.match(
    keyed,
    /`id` BIGINT NOT NULL,\n {2}`at` TIMESTAMP\(3\),\n {2}`wall` TIMESTAMP\(3\),\n {2}`fine` BIGINT NOT NULL,\n {2}`hist` ARRAY<ROW<`n` INT, `at` BIGINT>>\n/,
  );
  assert.match(
    keyed,
    /'key.format' = 'json',\n {2}'key.json.ignore-parse-errors' = 'false',\n {2}'key.fields' = 'id',/,
  );
  assert.match(keyed, /'value.format' = 'avro-confluent'/);
  assert.doesNotMatch(keyed, /LTZ|key\.avro/);
  // A timestamp key column's JSON text would not parse as the TIMESTAMP(3) the value reads: no key.
  const byTime = flinkKafkaDdl({ ...spec, key: ['id', 'at'] });
  assert.doesNotMatch(byTime, /key\./);
  assert.match(byTime, /'format' = 'avro-confluent',\n {2}'avro-confluent.url' = 'http:\/\/r:8081'\n\)$/);
});

test('avroSchema: names are checked and nested record names stay unique', () => {
  derivationError(
    () => avroSchema('Login', [column('profile', 'ROW<`bad name` INT>')]),
    'column "profile.bad name": "bad name" is not a valid Avro name (use letters, digits and _, not starting with a digit)',
    'profile.bad name',
  );
  derivationError(
    () => avroSchema('Login', [column('m', 'MAP<BIGINT, STRING>')]),
    'column "m": Avro map keys are always strings, so the MAP key type must be STRING, got BIGINT',
    'm',
  );
  derivationError(
    () => avroSchema('9lives', []),
    '"9lives" is not a valid Avro record name (use letters, digits and _, not starting with a digit)',
  );
  derivationError(
    () => avroSchema('Login', [], 'weir..x'),
    '"weir..x" is not a valid Avro namespace (dot-separated names; use letters, digits and _, not starting with a digit)',
  );
  // `a` with field `b` and a column `a_b` would both want the record name Login_a_b.
  const schema = avroSchema('Login', [column('a', 'ROW<b ROW<x INT>>'), column('a_b', 'ROW<y INT>')]);
  const type = avro.Type.forSchema(schema as avro.Schema);
  const names = JSON.stringify(schema).match(/"name":"Login_[a-z_0-9]+"/g);
  assert.deepEqual(names, ['"name":"Login_a"', '"name":"Login_a_b"', '"name":"Login_a_b_2"']);
  const row = { a: { b: { x: 1 } }, a_b: { y: 2 } };
  assert.deepEqual(JSON.parse(JSON.stringify(type.fromBuffer(type.toBuffer(row)))), row);
});

test('parquet: DECIMAL storage by precision, JSON annotation option', () => {
  assert.deepEqual(
    [1, 2, 4, 9, 10, 18, 19, 20, 28, 38].map(decimalByteLength),
    [1, 1, 2, 4, 5, 8, 9, 9, 12, 16],
  );
  assert.equal(
    parquetSchemaText([
      column('a', 'DECIMAL(9,2)'),
      column('b', 'DECIMAL(10,2)'),
      column('c', 'DECIMAL(19,2)'),
    ]),
    'message schema {\n  optional int32 a (DECIMAL(9,2));\n  optional int64 b (DECIMAL(10,2));\n  optional fixed_len_byte_array(9) c (DECIMAL(19,2));\n}\n',
  );
  assert.equal(
    parquetSchemaText([column('j', 'JSON NOT NULL')], { json: 'JSON', name: 'hive_schema' }),
    'message hive_schema {\n  required binary j (JSON);\n}\n',
  );
});

test('rowJsonSchema: DECIMAL and TIMESTAMP patterns accept what the JSON output renders', () => {
  const schema = rowJsonSchema([
    column('price', 'DECIMAL(9,2)'),
    column('ts', 'TIMESTAMP(3)'),
    column('ltz', 'TIMESTAMP_LTZ(6)'),
  ]) as { properties: Record<string, JsonSchema> };
  const pattern = (name: string) => new RegExp(schema.properties[name]!['pattern'] as string);
  for (const ok of ['0.00', '-0.50', '1234567.89']) assert.match(ok, pattern('price'));
  for (const bad of ['12345678.90', '1.5', '01.00', '1e3']) assert.doesNotMatch(bad, pattern('price'));
  for (const ok of ['2026-11-25 10:00:01', '2026-11-25 10:00:01.123']) assert.match(ok, pattern('ts'));
  for (const bad of ['2026-11-25T10:00:01', '2026-11-25 10:00:01.1234'])
    assert.doesNotMatch(bad, pattern('ts'));
  assert.match('2026-11-25 10:00:01.123456Z', pattern('ltz'));
  assert.doesNotMatch('2026-11-25 10:00:01.123456', pattern('ltz'));
});
