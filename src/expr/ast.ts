// The expression syntax tree: produced by parser.ts, consumed once by compile.ts.
import type { Span } from './errors.ts';

export type Node = Span &
  (
    | { type: 'literal'; value: LiteralValue }
    | { type: 'field'; path: PathStep[] }
    | { type: 'index'; target: Node; index: Node }
    | { type: 'unary'; op: '-' | '+' | 'NOT'; arg: Node }
    | { type: 'binary'; op: BinaryOp; left: Node; right: Node; opSpan: Span }
    | { type: 'is'; arg: Node; test: 'NULL' | 'TRUE' | 'FALSE'; negated: boolean }
    | { type: 'in'; arg: Node; list: Node[]; negated: boolean }
    | { type: 'between'; arg: Node; low: Node; high: Node; negated: boolean }
    | { type: 'like'; arg: Node; pattern: Node; escapeChar: Node | null; negated: boolean }
    | { type: 'case'; subject: Node | null; whens: { when: Node; result: Node }[]; otherwise: Node | null }
    | { type: 'cast'; arg: Node; target: string; targetSpan: Span; tryCast: boolean }
    | { type: 'call'; name: string; args: Node[]; nameSpan: Span }
  );

/** A top-level field name followed by nested field names (`role.level`). */
export interface PathStep {
  name: string;
  span: Span;
}

export type LiteralValue =
  | { kind: 'NULL' }
  | { kind: 'BOOLEAN'; value: boolean }
  | { kind: 'INTEGER'; text: string }
  | { kind: 'DECIMAL'; text: string }
  | { kind: 'DOUBLE'; text: string }
  | { kind: 'STRING'; value: string }
  | { kind: 'DATE'; value: string }
  | { kind: 'TIMESTAMP'; value: string };

export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '||'
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | 'AND'
  | 'OR';
