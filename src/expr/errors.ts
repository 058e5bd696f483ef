// Compile-time errors of the expression language, pointing at a column of the expression text.

export class ExprError extends Error {
  /** 1-based column in the expression text. */
  column: number;
  /** Length of the offending text (at least 1). */
  length: number;
  /** `hint` follows the column: `unknown function "lowr" at column 1 (did you mean lower?)`. */
  constructor(message: string, column: number, length = 1, hint = '') {
    super(`${message} at column ${column}${hint}`);
    this.name = 'ExprError';
    this.column = column;
    this.length = Math.max(1, length);
  }
}

/** A node's place in the text: 0-based offset and length. */
export interface Span {
  pos: number;
  len: number;
}

export function errorAt(message: string, span: Span, hint = ''): ExprError {
  return new ExprError(message, span.pos + 1, span.len, hint);
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** ` (did you mean x?)` for the closest candidate, or '' when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best === undefined ? '' : ` (did you mean ${best}?)`;
}
