// The SQL spelling of a logical type, for error messages (`DECIMAL(10,2)`, `ARRAY<INT>`).
import type { LogicalType } from '../../core/types.ts';

export function typeName(t: LogicalType): string {
  switch (t.kind) {
    case 'DECIMAL':
      return `DECIMAL(${t.precision},${t.scale})`;
    case 'VARCHAR':
      return `VARCHAR(${t.length})`;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return `${t.kind}(${t.precision})`;
    case 'ARRAY':
      return `ARRAY<${typeName(t.element)}>`;
    case 'MAP':
      return `MAP<${typeName(t.key)}, ${typeName(t.value)}>`;
    case 'ROW':
      return `ROW<${t.fields.map((f) => `${f.name} ${typeName(f.type)}`).join(', ')}>`;
    default:
      return t.kind;
  }
}
