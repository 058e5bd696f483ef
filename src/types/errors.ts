/** A type string that cannot be parsed. `position` is the 0-based offset of the offending token. */
export class TypeSyntaxError extends Error {
  readonly position: number;
  /** What would have been accepted at `position` (keywords, punctuation, "a type", ...); may be empty. */
  readonly expected: string[];
  constructor(message: string, position: number, expected: string[]) {
    super(message);
    this.name = 'TypeSyntaxError';
    this.position = position;
    this.expected = expected;
  }
}

/** A schema that cannot be expressed in a physical format (Avro names, Hive partitions, ...). */
export class DerivationError extends Error {
  /** Column (dotted path for nested fields) the error is about, when there is one. */
  readonly column: string | undefined;
  constructor(message: string, column?: string) {
    super(message);
    this.name = 'DerivationError';
    this.column = column;
  }
}
