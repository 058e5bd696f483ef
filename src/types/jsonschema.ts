// JSON Schema (2020-12) of one row as Weir's JSON-lines files and Kafka JSON messages render it.
// Renderings follow Flink's json format: BIGINT as a number, DECIMAL as a plain decimal string
// with exactly `scale` fraction digits, TIMESTAMP as 'yyyy-MM-dd HH:mm:ss[.fraction]',
// TIMESTAMP_LTZ the same with a trailing 'Z', BINARY as base64, JSON as the value itself.
import type { Column, LogicalType } from '../core/types.ts';
import { checkUniqueColumns } from './columns.ts';

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

export type JsonSchema = { [keyword: string]: unknown };

const INT_RANGES: Record<string, [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
};

function decimalPattern(precision: number, scale: number): string {
  const integerDigits = precision - scale;
  const integer = integerDigits === 0 ? '0' : `(0|[1-9][0-9]{0,${integerDigits - 1}})`;
  const fraction = scale === 0 ? '' : `\\.[0-9]{${scale}}`;
  return `^-?${integer}${fraction}$`;
}

function timestampPattern(precision: number, zone: string): string {
  const fraction = precision === 0 ? '' : `(\\.[0-9]{1,${precision}})?`;
  return `^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}${fraction}${zone}$`;
}

function objectSchema(
  fields: { name: string; type: LogicalType; comment?: string | undefined }[],
): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const f of fields) {
    const schema = typeSchema(f.type);
    properties[f.name] = f.comment === undefined ? schema : { description: f.comment, ...schema };
  }
  const required = fields.filter((f) => !f.type.nullable).map((f) => f.name);
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

function coreSchema(t: LogicalType): JsonSchema {
  switch (t.kind) {
    case 'BOOLEAN':
      return { type: 'boolean' };
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT': {
      const [minimum, maximum] = INT_RANGES[t.kind]!;
      return { type: 'integer', minimum, maximum };
    }
    case 'BIGINT':
      return { type: 'integer' };
    case 'FLOAT':
    case 'DOUBLE':
      return { type: 'number' };
    case 'DECIMAL':
      return { type: 'string', pattern: decimalPattern(t.precision, t.scale) };
    case 'STRING':
      return { type: 'string' };
    case 'VARCHAR':
      return { type: 'string', maxLength: t.length };
    case 'BINARY':
      return { type: 'string', contentEncoding: 'base64' };
    case 'DATE':
      return { type: 'string', format: 'date' };
    case 'TIMESTAMP':
      return { type: 'string', pattern: timestampPattern(t.precision, '') };
    case 'TIMESTAMP_LTZ':
      return { type: 'string', pattern: timestampPattern(t.precision, 'Z') };
    case 'ARRAY':
      return { type: 'array', items: typeSchema(t.element) };
    case 'MAP':
      return { type: 'object', additionalProperties: typeSchema(t.value) };
    case 'ROW':
      return objectSchema(t.fields);
    case 'JSON':
      return {};
  }
}

/** Schema of one value; a nullable type also admits null. */
export function typeSchema(t: LogicalType): JsonSchema {
  const schema = coreSchema(t);
  if (!t.nullable || schema.type === undefined) return schema;
  return { ...schema, type: [schema.type, 'null'] };
}

/** JSON Schema of one output row: NOT NULL columns are required, no other properties appear. */
export function rowJsonSchema(columns: Column[]): object {
  checkUniqueColumns(columns);
  return { $schema: JSON_SCHEMA_DIALECT, ...objectSchema(columns) };
}
