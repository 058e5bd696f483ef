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

/** The nesting of a type: ARRAY/MAP/STRUCT nodes with their field names, primitives as '.'. */
type Shape = string | [string, ...Shape[]];
function shapeOf(t: LogicalType): Shape {
  switch (t.kind) {
    case 'ARRAY':
      return ['ARRAY', shapeOf(t.element)];
    case 'MAP':
      return ['MAP', shapeOf(t.key), shapeOf(t.value)];
    case 'ROW':
      return ['STRUCT', ...t.fields.flatMap((f) => [f.name, shapeOf(f.type)])];
    default:
      return '.';
  }
}

/** The same nesting read back from Hive type text (comments removed). */
function shape(text: string): Shape {
  let pos = 0;
  const name = () => {
    const m = /^`((?:[^`]|``)*)`:/.exec(text.slice(pos))!;
    pos += m[0].length;
    return m[1]!.replaceAll('``', '`');
  };
  const read = (): Shape => {
    for (const kind of ['ARRAY', 'MAP', 'STRUCT']) {
      if (!text.startsWith(`${kind}<`, pos)) continue;
      pos += kind.length + 1;
      const out: [string, ...Shape[]] = [kind];
      for (;;) {
        if (kind === 'STRUCT') out.push(name());
        out.push(read());
        if (text[pos++] === '>') return out;
      }
    }
    // A primitive, e.g. DECIMAL(20,6): up to the next separator outside parentheses.
    let depth = 0;
    while (pos < text.length && (depth > 0 || !',>'.includes(text[pos]!))) {
      if (text[pos] === '(') depth++;
      if (text[pos] === ')') depth--;
      pos++;
    }
    return '.';
  };
  const out = read();
  assert.equal(pos, text.length, `unread Hive type text: ${text.slice(pos)}`);
  return out;
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
      // Flink SQL writes a row field's comment as a bare string after its type, JSON as STRING, BINARY as BYTES.
      const flink = printType(col.type)
        .replaceAll(" COMMENT '", " '")
        .replace(/\bJSON\b/g, 'STRING')
        .replace(/\bBINARY\b/g, 'BYTES');
      assert.equal(flinkType(col.type), flink);
      const hive = hiveType(col.type);
      const bare = hive.replace(/ COMMENT '(?:[^'\\]|\\.)*'/g, '');
      assert.deepEqual(shape(bare), shapeOf(col.type), hive);
      assert.doesNotMatch(
        bare,
        /NOT NULL|TIMESTAMP_LTZ|ROW</,
        `Hive has no NOT NULL, TIMESTAMP_LTZ or ROW: ${hive}`,
      );
    }
    assert.match(parquetSchemaText(columns), /^message schema \{\n[\s\S]*\n\}\n$/);
    const json = rowJsonSchema(columns) as { properties: object; additionalProperties: boolean };
    assert.deepEqual(Object.keys(json.properties), ['c0', 'c1', 'c2']);
    assert.equal(json.additionalProperties, false);
    const schema = avroSchema('Generated', columns, 'weir.test');
    // avsc rejects duplicate record names and malformed schemas.
    assert.doesNotThrow(() => avro.Type.forSchema(schema as avro.Schema), JSON.stringify(schema));
  }
});
