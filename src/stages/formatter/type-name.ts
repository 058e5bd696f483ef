// The SQL spelling of a logical type, for error messages (`DECIMAL(10,2)`, `ARRAY<INT>`): the
// canonical walk with compact DECIMAL, bare field names, and no NOT NULL or comments.
import type { LogicalType } from '../../core/types.ts';
import { spellType, type TypeSpelling } from '../../types/print.ts';

const MESSAGE: TypeSpelling = {
  simple: (kind) => kind,
  decimalSeparator: ',',
  field: (name, type) => `${name} ${type}`,
  notNull: false,
};

export function typeName(t: LogicalType): string {
  return spellType(t, MESSAGE);
}
