import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import type { Column, LogicalType } from '../core/types.ts';
import { avroSchema } from './avro.ts';
import { flinkType } from './flink.ts';
import { hiveType } from './hive.ts';
import { rowJsonSchema } from './jsonschema.ts';
import { parquetSchemaText } from './parquet.ts';
import { parseType } from './parse.ts';
import { printType } from './print.ts';
import { TypeGenerator } from './test-support.ts';

function depth(t: LogicalType): number {
  switch (t.kind) {
    case 'ARRAY':
      return 1 + depth(t.element);
    case 'MAP':
      return 1 + Math.max(depth(t.key), depth(t.value));
    case 'ROW':
      return 1 + Math.max(...t.fields.map((f) => depth(f.type)));
    default:
      return 0;
  }
}

test('parse(print(t)) deep-equals t for 600 generated types, nesting up to 8', () => {
  const generator = new TypeGenerator(20261125);
  let deep = 0;
  for (let i = 0; i < 600; i++) {
    const type = generator.type(i % 9);
    assert.equal(depth(type), i % 9);
    if (depth(type) >= 6) deep++;
    const text = printType(type);
    assert.deepEqual(parseType(text), type, text);
    assert.equal(printType(parseType(text)), text);
  }
  assert.ok(deep >= 150, `only ${deep} types of depth 6+`);
});

test('every derivation accepts generated types; avsc accepts every Avro schema', () => {
  const generator = new TypeGenerator(7, { avroSafe: true });
  for (let i = 0; i < 150; i++) {
    const columns: Column[] = [];
    for (let c = 0; c < 3; c++)
      columns.push({ name: `c${c}`, type: generator.type((i + c) % 7), onError: 'error' });
    for (const col of columns) {
      assert.ok(hiveType(col.type).length > 0);
      assert.ok(flinkType(col.type).length > 0);
    }
    assert.match(parquetSchemaText(columns), /^message schema \{\n[\s\S]*\n\}\n$/);
    assert.equal(JSON.stringify(rowJsonSchema(columns)).length > 0, true);
    const schema = avroSchema('Generated', columns, 'weir.test');
    // avsc rejects duplicate record names and malformed schemas.
    assert.doesNotThrow(() => avro.Type.forSchema(schema as avro.Schema), JSON.stringify(schema));
  }
});
