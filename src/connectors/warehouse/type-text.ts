// Printed logical types for the catalog (`BIGINT`, `ARRAY<ROW<a INT, b STRING>>`) and back.
// Kept here so the catalog does not depend on the DDL parser; NOT NULL is part of the text.
import type { LogicalType, PrimitiveKind } from '../../core/types.ts';

const PRIMITIVES = new Set<string>([
  'BOOLEAN',
  'TINYINT',
  'SMALLINT',
  'INT',
  'BIGINT',
  'FLOAT',
  'DOUBLE',
  'STRING',
  'BINARY',
  'DATE',
  'JSON',
]);

export function printType(t: LogicalType): string {
  const nn = t.nullable ? '' : ' NOT NULL';
  switch (t.kind) {
    case 'DECIMAL':
      return `DECIMAL(${t.precision},${t.scale})${nn}`;
    case 'VARCHAR':
      return `VARCHAR(${t.length})${nn}`;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return `${t.kind}(${t.precision})${nn}`;
    case 'ARRAY':
      return `ARRAY<${printType(t.element)}>${nn}`;
    case 'MAP':
      return `MAP<${printType(t.key)}, ${printType(t.value)}>${nn}`;
    case 'ROW':
      return `ROW<${t.fields.map((f) => `${f.name} ${printType(f.type)}`).join(', ')}>${nn}`;
    default:
      return `${t.kind}${nn}`;
  }
}

/** Parses what printType prints; throws a plain error on anything else. */
export function parseType(text: string): LogicalType {
  const tokens = text.match(/[A-Za-z_][A-Za-z0-9_]*|\d+|[<>(),]/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`type "${text}" ends too early`);
    return t;
  };
  const expect = (t: string) => {
    const got = next();
    if (got !== t) throw new Error(`type "${text}": expected "${t}" but found "${got}"`);
  };
  const num = () => Number(next());
  const type = (): LogicalType => {
    const name = next().toUpperCase();
    let t: LogicalType;
    if (PRIMITIVES.has(name)) t = { kind: name as PrimitiveKind, nullable: true };
    else if (name === 'DECIMAL') {
      expect('(');
      const precision = num();
      expect(',');
      const scale = num();
      expect(')');
      t = { kind: 'DECIMAL', precision, scale, nullable: true };
    } else if (name === 'VARCHAR') {
      expect('(');
      const length = num();
      expect(')');
      t = { kind: 'VARCHAR', length, nullable: true };
    } else if (name === 'TIMESTAMP' || name === 'TIMESTAMP_LTZ') {
      let precision = 6;
      if (peek() === '(') {
        next();
        precision = num();
        expect(')');
      }
      t = { kind: name, precision, nullable: true };
    } else if (name === 'ARRAY') {
      expect('<');
      const element = type();
      expect('>');
      t = { kind: 'ARRAY', element, nullable: true };
    } else if (name === 'MAP') {
      expect('<');
      const key = type();
      expect(',');
      const value = type();
      expect('>');
      t = { kind: 'MAP', key, value, nullable: true };
    } else if (name === 'ROW') {
      expect('<');
      const fields = [];
      for (;;) {
        const fieldName = next();
        fields.push({ name: fieldName, type: type() });
        if (peek() === ',') next();
        else break;
      }
      expect('>');
      t = { kind: 'ROW', fields, nullable: true };
    } else throw new Error(`type "${text}": unknown type "${name}"`);
    if (peek()?.toUpperCase() === 'NOT') {
      next();
      expect('NULL');
      t.nullable = false;
    }
    return t;
  };
  const result = type();
  if (i !== tokens.length) throw new Error(`type "${text}": unexpected "${tokens[i]}"`);
  return result;
}
