// Helpers for the types tests: columns from type strings, golden files, a seeded type generator.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Column, LogicalType, PrimitiveKind, RowField } from '../core/types.ts';
import { rng as seededRandom } from '../gen/gamelogs.ts';
import { parseType } from './parse.ts';

export function column(name: string, type: string, extra: Partial<Column> = {}): Column {
  return { name, type: parseType(type), onError: 'error', ...extra };
}

const GOLDEN_DIR = new URL('../../test/golden/types/', import.meta.url);

/** Compares `actual` byte-for-byte with test/golden/types/<file>; UPDATE_GOLDEN=1 rewrites the file instead. */
export function assertGolden(file: string, actual: string): void {
  const url = new URL(file, GOLDEN_DIR);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    writeFileSync(url, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(url, 'utf8');
  } catch {
    assert.fail(`golden file test/golden/types/${file} is missing; run with UPDATE_GOLDEN=1 to create it`);
  }
  assert.equal(
    actual,
    expected,
    `output differs from test/golden/types/${file} (UPDATE_GOLDEN=1 rewrites it)`,
  );
}

// The game-log generator's seeded PRNG (mulberry32), so generated cases are the same on every run.
export { seededRandom };

const PRIMITIVES: PrimitiveKind[] = [
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
];

/** Awkward but legal names: reserved words, quotes, spaces, case twins live in different rows. */
const ODD_NAMES = [
  'select',
  'from',
  'order',
  'a`b',
  '``',
  "it's",
  'two words',
  'ünïcode',
  '名字',
  'x>y',
  'NOT',
  'NULL',
  'COMMENT',
  '_',
];
const ODD_COMMENTS = ['', "it's", 'line\nbreak', 'back`quote', 'tab\there', '\\N', 'ROW<a INT>'];

export interface GeneratorOptions {
  /** Only names Avro accepts ([A-Za-z_][A-Za-z0-9_]*) and only STRING map keys. */
  avroSafe?: boolean;
}

export class TypeGenerator {
  private readonly random: () => number;
  private readonly options: GeneratorOptions;
  constructor(seed: number, options: GeneratorOptions = {}) {
    this.random = seededRandom(seed);
    this.options = options;
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** A type whose nesting is exactly `depth` levels along at least one path (0 = a primitive). */
  type(depth: number): LogicalType {
    const nullable = this.random() < 0.6;
    if (depth === 0) return { ...this.primitive(), nullable };
    const kind = this.pick(['ARRAY', 'MAP', 'ROW'] as const);
    if (kind === 'ARRAY') return { kind, element: this.type(depth - 1), nullable };
    if (kind === 'MAP') {
      const key: LogicalType = this.options.avroSafe
        ? { kind: 'STRING', nullable: this.random() < 0.5 }
        : { ...this.primitive(), nullable: this.random() < 0.5 };
      return { kind, key, value: this.type(depth - 1), nullable };
    }
    const count = 1 + this.int(4);
    const deep = this.int(count);
    const fields: RowField[] = [];
    const used = new Set<string>();
    for (let i = 0; i < count; i++) {
      const name = this.fieldName(i, used);
      const field: RowField = { name, type: this.type(i === deep ? depth - 1 : this.int(depth)) };
      if (this.random() < 0.3) field.comment = this.pick(ODD_COMMENTS);
      fields.push(field);
    }
    return { kind, fields, nullable };
  }

  private fieldName(i: number, used: Set<string>): string {
    let name = this.options.avroSafe || this.random() < 0.5 ? `f${i}_${this.int(100)}` : this.pick(ODD_NAMES);
    if (used.has(name.toLowerCase())) name = `f${i}`;
    used.add(name.toLowerCase());
    return name;
  }

  private primitive(): LogicalType {
    switch (this.int(5)) {
      case 0:
        return this.decimal();
      case 1:
        return {
          kind: 'VARCHAR',
          length: 1 + this.int(this.random() < 0.1 ? 2147483647 : 1000),
          nullable: true,
        };
      case 2:
        return {
          kind: this.pick(['TIMESTAMP', 'TIMESTAMP_LTZ'] as const),
          precision: this.int(10),
          nullable: true,
        };
      default:
        return { kind: this.pick(PRIMITIVES), nullable: true };
    }
  }

  private decimal(): LogicalType {
    const precision = 1 + this.int(38);
    return { kind: 'DECIMAL', precision, scale: this.int(precision + 1), nullable: true };
  }
}
