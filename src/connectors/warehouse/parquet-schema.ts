// Logical types → Parquet schema elements (hyparquet-writer's flattened SchemaElement list).
import type { SchemaElement } from 'hyparquet';
import type { Column, LogicalType } from '../../core/types.ts';

function repetition(nullable: boolean): 'OPTIONAL' | 'REQUIRED' {
  return nullable ? 'OPTIONAL' : 'REQUIRED';
}

/** Bytes a two's-complement unscaled value of `precision` digits needs. */
function decimalBytes(precision: number): number {
  return Math.ceil((Math.log2(10 ** precision) + 1) / 8);
}

function elements(name: string, t: LogicalType, nullable = t.nullable): SchemaElement[] {
  const repetition_type = repetition(nullable);
  switch (t.kind) {
    case 'BOOLEAN':
      return [{ name, repetition_type, type: 'BOOLEAN' }];
    case 'TINYINT':
    case 'SMALLINT': {
      // Only the converted type (readers derive INTEGER(8|16, signed) from it): hyparquet-writer
      // encodes the logical type's bitWidth as i32 instead of i8, which DuckDB rejects.
      return [
        { name, repetition_type, type: 'INT32', converted_type: t.kind === 'TINYINT' ? 'INT_8' : 'INT_16' },
      ];
    }
    case 'INT':
      return [{ name, repetition_type, type: 'INT32' }];
    case 'BIGINT':
      return [{ name, repetition_type, type: 'INT64' }];
    case 'FLOAT':
      return [{ name, repetition_type, type: 'FLOAT' }];
    case 'DOUBLE':
      return [{ name, repetition_type, type: 'DOUBLE' }];
    case 'DECIMAL': {
      const { precision, scale } = t;
      const physical =
        precision <= 9
          ? { type: 'INT32' as const }
          : precision <= 18
            ? { type: 'INT64' as const }
            : { type: 'FIXED_LEN_BYTE_ARRAY' as const, type_length: decimalBytes(precision) };
      return [
        {
          name,
          repetition_type,
          ...physical,
          converted_type: 'DECIMAL',
          precision,
          scale,
          logical_type: { type: 'DECIMAL', precision, scale },
        },
      ];
    }
    case 'STRING':
    case 'VARCHAR':
    case 'JSON':
      return [
        {
          name,
          repetition_type,
          type: 'BYTE_ARRAY',
          converted_type: 'UTF8',
          logical_type: { type: 'STRING' },
        },
      ];
    case 'BINARY':
      return [{ name, repetition_type, type: 'BYTE_ARRAY' }];
    case 'DATE':
      return [
        { name, repetition_type, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } },
      ];
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      const utc = t.kind === 'TIMESTAMP_LTZ';
      // The legacy converted type TIMESTAMP_MICROS implies UTC, so it is set only for LTZ.
      return [
        {
          name,
          repetition_type,
          type: 'INT64',
          ...(utc ? { converted_type: 'TIMESTAMP_MICROS' as const } : {}),
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: utc, unit: 'MICROS' },
        },
      ];
    }
    case 'ARRAY':
      return [
        { name, repetition_type, num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        ...elements('element', t.element),
      ];
    case 'MAP':
      return [
        { name, repetition_type, num_children: 1, converted_type: 'MAP', logical_type: { type: 'MAP' } },
        { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
        ...elements('key', t.key, false),
        ...elements('value', t.value),
      ];
    case 'ROW':
      return [
        { name, repetition_type, num_children: t.fields.length },
        ...t.fields.flatMap((f) => elements(f.name, f.type)),
      ];
  }
}

/** The Parquet schema of the given (data, not partition) columns. */
export function parquetSchema(columns: Column[]): SchemaElement[] {
  return [
    { name: 'schema', num_children: columns.length },
    ...columns.flatMap((c) => elements(c.name, c.type)),
  ];
}
