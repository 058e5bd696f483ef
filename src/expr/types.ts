// Static types inside the expression compiler: the logical types of src/core/types.ts plus
// UNKNOWN (dynamic mode: a plain parsed-JSON value whose type shows only at run time) and
// NULL (the type of the NULL literal, which fits anywhere).
import type { LogicalType } from '../core/types.ts';
import { didYouMean } from './errors.ts';

export type Unknown = { kind: 'UNKNOWN'; nullable: true };
export type NullType = { kind: 'NULL'; nullable: true };
export type XType = LogicalType | Unknown | NullType;

export const UNKNOWN: Unknown = { kind: 'UNKNOWN', nullable: true };
export const NULL_TYPE: NullType = { kind: 'NULL', nullable: true };

export const t = {
  BOOLEAN: { kind: 'BOOLEAN', nullable: true },
  INT: { kind: 'INT', nullable: true },
  BIGINT: { kind: 'BIGINT', nullable: true },
  DOUBLE: { kind: 'DOUBLE', nullable: true },
  STRING: { kind: 'STRING', nullable: true },
  DATE: { kind: 'DATE', nullable: true },
  TIMESTAMP3: { kind: 'TIMESTAMP', precision: 3, nullable: true },
  TIMESTAMP6: { kind: 'TIMESTAMP', precision: 6, nullable: true },
  TIMESTAMP_LTZ3: { kind: 'TIMESTAMP_LTZ', precision: 3, nullable: true },
} as const satisfies Record<string, LogicalType>;

export function withNullable<T extends XType>(type: T, nullable: boolean): T {
  if (type.kind === 'UNKNOWN' || type.kind === 'NULL' || type.nullable === nullable) return type;
  return { ...type, nullable } as T;
}

const INTEGER_RANK: Record<string, number> = { TINYINT: 1, SMALLINT: 2, INT: 3, BIGINT: 4 };

export const isInteger = (type: XType) => type.kind in INTEGER_RANK;
export const isExactNumeric = (type: XType) => isInteger(type) || type.kind === 'DECIMAL';
export const isApproxNumeric = (type: XType) => type.kind === 'FLOAT' || type.kind === 'DOUBLE';
export const isNumeric = (type: XType) => isExactNumeric(type) || isApproxNumeric(type);
export const isStringy = (type: XType) => type.kind === 'STRING' || type.kind === 'VARCHAR';
export const isTemporal = (type: XType) =>
  type.kind === 'DATE' || type.kind === 'TIMESTAMP' || type.kind === 'TIMESTAMP_LTZ';
export const isLoose = (type: XType) => type.kind === 'UNKNOWN' || type.kind === 'NULL';

/** Precision and scale an exact numeric type occupies as a DECIMAL. */
export function decimalShape(type: LogicalType): { precision: number; scale: number } {
  if (type.kind === 'DECIMAL') return { precision: type.precision, scale: type.scale };
  const digits = { TINYINT: 3, SMALLINT: 5, INT: 10, BIGINT: 19 }[type.kind as string] ?? 19;
  return { precision: digits, scale: 0 };
}

export function decimalType(precision: number, scale: number, nullable: boolean): LogicalType {
  const p = Math.min(38, Math.max(1, precision));
  return { kind: 'DECIMAL', precision: p, scale: Math.min(scale, p), nullable };
}

/** The numeric type both operands widen to (Flink's implicit widening), or null if one is not numeric. */
export function commonNumeric(a: LogicalType, b: LogicalType): LogicalType | null {
  if (!isNumeric(a) || !isNumeric(b)) return null;
  const nullable = a.nullable || b.nullable;
  if (isApproxNumeric(a) || isApproxNumeric(b)) {
    return { kind: a.kind === 'FLOAT' && b.kind === 'FLOAT' ? 'FLOAT' : 'DOUBLE', nullable };
  }
  if (a.kind === 'DECIMAL' || b.kind === 'DECIMAL') {
    const x = decimalShape(a);
    const y = decimalShape(b);
    const scale = Math.max(x.scale, y.scale);
    return decimalType(Math.max(x.precision - x.scale, y.precision - y.scale) + scale, scale, nullable);
  }
  return { kind: INTEGER_RANK[a.kind]! >= INTEGER_RANK[b.kind]! ? a.kind : b.kind, nullable } as LogicalType;
}

/** The type values of both types can be compared or unified as, or null when they cannot. */
export function commonType(a: XType, b: XType): XType | null {
  if (a.kind === 'NULL') return withNullable(b, true);
  if (b.kind === 'NULL') return withNullable(a, true);
  if (a.kind === 'UNKNOWN' || b.kind === 'UNKNOWN') return UNKNOWN;
  const nullable = a.nullable || b.nullable;
  const numeric = commonNumeric(a, b);
  if (numeric) return numeric;
  if (isStringy(a) && isStringy(b)) {
    if (a.kind === 'VARCHAR' && b.kind === 'VARCHAR') {
      return { kind: 'VARCHAR', length: Math.max(a.length, b.length), nullable };
    }
    return { kind: 'STRING', nullable };
  }
  if (isTemporal(a) && isTemporal(b)) {
    if (a.kind === 'DATE' && b.kind === 'DATE') return { kind: 'DATE', nullable };
    const p = Math.max('precision' in a ? a.precision : 0, 'precision' in b ? b.precision : 0);
    const kind = a.kind === 'TIMESTAMP_LTZ' && b.kind === 'TIMESTAMP_LTZ' ? 'TIMESTAMP_LTZ' : 'TIMESTAMP';
    return { kind, precision: p, nullable };
  }
  if (a.kind === b.kind && (a.kind === 'BOOLEAN' || a.kind === 'BINARY' || a.kind === 'JSON')) {
    return withNullable(a, nullable);
  }
  if (a.kind === b.kind && sameType(a, b)) return withNullable(a, nullable);
  return null;
}

export function sameType(a: XType, b: XType): boolean {
  return typeName(a) === typeName(b);
}

/** The SQL spelling of a type, for messages: `DECIMAL(10, 2)`, `ARRAY<INT>`. */
export function typeName(type: XType): string {
  switch (type.kind) {
    case 'UNKNOWN':
      return 'a value of unknown type';
    case 'NULL':
      return 'NULL';
    case 'DECIMAL':
      return `DECIMAL(${type.precision}, ${type.scale})`;
    case 'VARCHAR':
      return `VARCHAR(${type.length})`;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return `${type.kind}(${type.precision})`;
    case 'ARRAY':
      return `ARRAY<${typeName(type.element)}>`;
    case 'MAP':
      return `MAP<${typeName(type.key)}, ${typeName(type.value)}>`;
    case 'ROW':
      return `ROW<${type.fields.map((f) => `${f.name} ${typeName(f.type)}`).join(', ')}>`;
    default:
      return type.kind;
  }
}

/** Result of parsing a CAST target; `offset` is 0-based within the type text. */
export type CastTypeResult = { type: LogicalType } | { error: string; offset: number };

const PRIMITIVE_NAMES: Record<string, LogicalType['kind']> = {
  BOOLEAN: 'BOOLEAN',
  BOOL: 'BOOLEAN',
  TINYINT: 'TINYINT',
  SMALLINT: 'SMALLINT',
  INT: 'INT',
  INTEGER: 'INT',
  BIGINT: 'BIGINT',
  FLOAT: 'FLOAT',
  REAL: 'FLOAT',
  DOUBLE: 'DOUBLE',
  STRING: 'STRING',
  BINARY: 'BINARY',
  BYTES: 'BINARY',
  VARBINARY: 'BINARY',
  DATE: 'DATE',
  JSON: 'JSON',
};

/**
 * Parses the type of `CAST(x AS <type>)`. The one place to switch to src/types/parse.ts
 * (`parseType`) once it lands; until then it knows the primitive and parameterised scalar types.
 */
export function parseCastType(text: string): CastTypeResult {
  const m = /^([A-Za-z_]+(?:\s+PRECISION)?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*(NOT\s+NULL)?$/i.exec(
    text,
  );
  if (!m)
    return { error: `cannot read the type "${text}" (expected e.g. INT, STRING, DECIMAL(10, 2))`, offset: 0 };
  const name = m[1]!.toUpperCase().replace(/\s+/g, ' ');
  const a = m[2] === undefined ? undefined : Number(m[2]);
  const b = m[3] === undefined ? undefined : Number(m[3]);
  const nullable = !m[4];
  const noArgs = a === undefined;
  if (name === 'DECIMAL' || name === 'NUMERIC' || name === 'DEC') {
    const precision = a ?? 10;
    const scale = b ?? 0;
    if (precision < 1 || precision > 38) return { error: 'DECIMAL precision must be 1 to 38', offset: 0 };
    if (scale > precision) return { error: 'DECIMAL scale cannot exceed its precision', offset: 0 };
    return { type: { kind: 'DECIMAL', precision, scale, nullable } };
  }
  if ((name === 'VARCHAR' || name === 'CHAR') && b === undefined) {
    if (a === undefined) return { type: { kind: 'STRING', nullable } };
    if (a < 1) return { error: `${name} length must be at least 1`, offset: 0 };
    return { type: { kind: 'VARCHAR', length: a, nullable } };
  }
  if ((name === 'TIMESTAMP' || name === 'TIMESTAMP_LTZ') && b === undefined) {
    const precision = a ?? 6;
    if (precision > 9) return { error: `${name} precision must be 0 to 9`, offset: 0 };
    return { type: { kind: name, precision, nullable } };
  }
  if (name === 'DOUBLE PRECISION' && noArgs) return { type: { kind: 'DOUBLE', nullable } };
  const kind = PRIMITIVE_NAMES[name];
  if (kind && noArgs) return { type: { kind, nullable } as LogicalType };
  if (kind) return { error: `${name} takes no parameters`, offset: 0 };
  const known = [...Object.keys(PRIMITIVE_NAMES), 'DECIMAL', 'VARCHAR', 'CHAR', 'TIMESTAMP', 'TIMESTAMP_LTZ'];
  return { error: `unknown type "${m[1]}"${didYouMean(name, known)}`, offset: 0 };
}
