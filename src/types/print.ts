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

export function printType(t: LogicalType): string {
  return printCore(t) + (t.nullable ? '' : ' NOT NULL');
}

function printCore(t: LogicalType): string {
  switch (t.kind) {
    case 'DECIMAL':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'VARCHAR':
      return `VARCHAR(${t.length})`;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return `${t.kind}(${t.precision})`;
    case 'ARRAY':
      return `ARRAY<${printType(t.element)}>`;
    case 'MAP':
      return `MAP<${printType(t.key)}, ${printType(t.value)}>`;
    case 'ROW':
      return `ROW<${t.fields
        .map(
          (f) =>
            `${quoteIdentifier(f.name)} ${printType(f.type)}` +
            (f.comment === undefined ? '' : ` COMMENT ${quoteSqlString(f.comment)}`),
        )
        .join(', ')}>`;
    default:
      return t.kind;
  }
}
