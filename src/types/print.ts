// Canonical text of a logical type: parseType(printType(t)) deep-equals t.
import type { LogicalType } from '../core/types.ts';

/** `name` → `` `name` `` with inner backquotes doubled (Flink, Hive and Spark SQL all read this). */
export function quoteIdentifier(name: string): string {
  return '`' + name.replaceAll('`', '``') + '`';
}

/** SQL-standard string literal: single quotes, inner quotes doubled (Flink SQL). */
export function quoteSqlString(text: string): string {
  return "'" + text.replaceAll("'", "''") + "'";
}

/**
 * How a dialect spells a type while walking it; printType, flinkType and the formatter's
 * message names are all this one walk with different spellings.
 */
export interface TypeSpelling {
  /** A kind without parameters, e.g. Flink's BYTES for BINARY. */
  simple(kind: string): string;
  /** Between DECIMAL's precision and scale: `', '` or `','`. */
  decimalSeparator: string;
  /** A ROW field: its printed name and type, then its comment (when it has one). */
  field(name: string, type: string, comment: string | undefined): string;
  /** Whether ` NOT NULL` follows a non-nullable type. */
  notNull: boolean;
}

const CANONICAL: TypeSpelling = {
  simple: (kind) => kind,
  decimalSeparator: ', ',
  field: (name, type, comment) =>
    `${quoteIdentifier(name)} ${type}` + (comment === undefined ? '' : ` COMMENT ${quoteSqlString(comment)}`),
  notNull: true,
};

/** `t` spelled with `spelling` (see TypeSpelling). */
export function spellType(t: LogicalType, spelling: TypeSpelling): string {
  return spellCore(t, spelling) + (spelling.notNull && !t.nullable ? ' NOT NULL' : '');
}

function spellCore(t: LogicalType, s: TypeSpelling): string {
  switch (t.kind) {
    case 'DECIMAL':
      return `DECIMAL(${t.precision}${s.decimalSeparator}${t.scale})`;
    case 'VARCHAR':
      return `VARCHAR(${t.length})`;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return `${t.kind}(${t.precision})`;
    case 'ARRAY':
      return `ARRAY<${spellType(t.element, s)}>`;
    case 'MAP':
      return `MAP<${spellType(t.key, s)}, ${spellType(t.value, s)}>`;
    case 'ROW':
      return `ROW<${t.fields.map((f) => s.field(f.name, spellType(f.type, s), f.comment)).join(', ')}>`;
    default:
      return s.simple(t.kind);
  }
}

export function printType(t: LogicalType): string {
  return spellType(t, CANONICAL);
}
