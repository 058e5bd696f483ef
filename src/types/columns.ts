// Checks shared by the table-level derivations.
import type { Column, LogicalType } from '../core/types.ts';
import { DerivationError } from './errors.ts';
import { suggest } from './suggest.ts';

export function isPrimitive(t: LogicalType): boolean {
  return t.kind !== 'ARRAY' && t.kind !== 'MAP' && t.kind !== 'ROW';
}

/** Hive, Parquet readers and most catalogs compare names ignoring case, so `a` and `A` collide. */
export function checkUniqueColumns(columns: readonly Column[]): void {
  if (columns.length === 0) throw new DerivationError('the table has no columns');
  const seen = new Map<string, string>();
  for (const column of columns) {
    if (column.name === '') throw new DerivationError('a column has an empty name');
    const earlier = seen.get(column.name.toLowerCase());
    if (earlier !== undefined) {
      const detail = earlier === column.name ? '' : ` (same as "${earlier}" apart from case)`;
      throw new DerivationError(`duplicate column "${column.name}"${detail}`, column.name);
    }
    seen.set(column.name.toLowerCase(), column.name);
  }
}

/** The column called `name`, or an error naming what was meant (`role` for "partition column", "key field"). */
export function findColumn(columns: readonly Column[], name: string, role: string): Column {
  const column = columns.find((c) => c.name === name);
  if (column) return column;
  const hint = suggest(
    name,
    columns.map((c) => c.name),
  );
  throw new DerivationError(
    `${role} "${name}" is not a column of the table${hint ? ` (did you mean "${hint}"?)` : ''}`,
    name,
  );
}
