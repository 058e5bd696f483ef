// Avro schema of a table's rows (Kafka sinks with format: avro, Confluent schema registry).
import type { Column, LogicalType } from '../core/types.ts';
import { DerivationError } from './errors.ts';
import { printType } from './print.ts';

export type AvroPrimitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

export interface AvroField {
  name: string;
  type: AvroType;
  doc?: string;
  default?: null;
}

export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: AvroField[];
}

export type AvroType =
  | AvroPrimitive
  | AvroType[]
  | AvroRecordSchema
  | { type: 'array'; items: AvroType }
  | { type: 'map'; values: AvroType }
  | { type: 'bytes'; logicalType: 'decimal'; precision: number; scale: number }
  | { type: 'int'; logicalType: 'date' }
  | {
      type: 'long';
      logicalType:
        | 'timestamp-millis'
        | 'timestamp-micros'
        | 'local-timestamp-millis'
        | 'local-timestamp-micros';
    };

const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_RULE = 'use letters, digits and _, not starting with a digit';

/** Avro names its nested records; they must be unique in a schema, so each takes its path (`Login_profile_address`). */
class RecordNames {
  private readonly used = new Set<string>();
  claim(wanted: string): string {
    let name = wanted;
    for (let n = 2; this.used.has(name); n++) name = `${wanted}_${n}`;
    this.used.add(name);
    return name;
  }
}

function timestampUnit(precision: number): 'millis' | 'micros' {
  return precision <= 3 ? 'millis' : 'micros';
}

function convert(t: LogicalType, path: string, recordName: string, names: RecordNames): AvroType {
  const core = convertCore(t, path, recordName, names);
  return t.nullable ? ['null', core] : core;
}

function convertCore(t: LogicalType, path: string, recordName: string, names: RecordNames): AvroType {
  switch (t.kind) {
    case 'BOOLEAN':
      return 'boolean';
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
      return 'int';
    case 'BIGINT':
      return 'long';
    case 'FLOAT':
      return 'float';
    case 'DOUBLE':
      return 'double';
    case 'STRING':
    case 'VARCHAR':
    case 'JSON':
      return 'string';
    case 'BINARY':
      return 'bytes';
    case 'DECIMAL':
      return { type: 'bytes', logicalType: 'decimal', precision: t.precision, scale: t.scale };
    case 'DATE':
      return { type: 'int', logicalType: 'date' };
    case 'TIMESTAMP':
      return { type: 'long', logicalType: `local-timestamp-${timestampUnit(t.precision)}` };
    case 'TIMESTAMP_LTZ':
      return { type: 'long', logicalType: `timestamp-${timestampUnit(t.precision)}` };
    case 'ARRAY':
      return { type: 'array', items: convert(t.element, path, recordName, names) };
    case 'MAP':
      if (t.key.kind !== 'STRING' && t.key.kind !== 'VARCHAR') {
        throw new DerivationError(
          `column "${path}": Avro map keys are always strings, so the MAP key type must be STRING, got ${printType(t.key)}`,
          path,
        );
      }
      return { type: 'map', values: convert(t.value, path, recordName, names) };
    case 'ROW':
      return record(
        names.claim(recordName),
        t.fields.map((f) => ({ name: f.name, type: f.type, comment: f.comment })),
        path,
        names,
      );
  }
}

function record(
  name: string,
  fields: { name: string; type: LogicalType; comment?: string | undefined }[],
  parentPath: string,
  names: RecordNames,
): AvroRecordSchema {
  return {
    type: 'record',
    name,
    fields: fields.map((f) => {
      const path = parentPath === '' ? f.name : `${parentPath}.${f.name}`;
      if (!AVRO_NAME.test(f.name)) {
        throw new DerivationError(
          `column "${path}": "${f.name}" is not a valid Avro name (${NAME_RULE})`,
          path,
        );
      }
      const field: AvroField = { name: f.name, type: convert(f.type, path, `${name}_${f.name}`, names) };
      if (f.comment !== undefined) field.doc = f.comment;
      if (f.type.nullable) field.default = null;
      return field;
    }),
  };
}

/**
 * The Avro record schema of a row. Nullable types become `["null", T]` with default null;
 * nested ROWs become records named `<parent>_<field>`; column comments become `doc`.
 */
/**
 * The record name of a Kafka sink's value schema: its topic, made a valid Avro name. One
 * derivation for `weir run` (which registers it), `weir serve` and `weir ddl`: the registry refuses
 * a schema whose record name changed.
 */
export function avroRecordName(topic: string): string {
  const base = topic.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(base) ? base : `_${base}`;
}

export function avroSchema(name: string, columns: Column[], namespace?: string): AvroRecordSchema {
  if (!AVRO_NAME.test(name)) {
    throw new DerivationError(`"${name}" is not a valid Avro record name (${NAME_RULE})`);
  }
  if (
    namespace !== undefined &&
    namespace !== '' &&
    !namespace.split('.').every((part) => AVRO_NAME.test(part))
  ) {
    throw new DerivationError(
      `"${namespace}" is not a valid Avro namespace (dot-separated names; ${NAME_RULE})`,
    );
  }
  const names = new RecordNames();
  names.claim(name);
  const body = record(name, columns, '', names);
  return namespace ? { type: 'record', name, namespace, fields: body.fields } : body;
}
