// Conditions over a formatted row (`drop_when`, `counters`, a sink's `when`): typed expressions
// whose fields are the table's columns. Compiled once; a compile error names the config path.
import type { Row } from '../../core/record.ts';
import type { Column } from '../../core/types.ts';
import { compileCondition as compileExprCondition } from '../../expr/index.ts';

/** True only when the expression yields true (null and false both mean no). Throws StageError EXPR at run time. */
export type Condition = (row: Row) => boolean;

/** A config value that does not compile: `path` is the config path, `problem` the plain reason. */
export class ConfigPathError extends Error {
  readonly path: string;
  readonly problem: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'ConfigPathError';
    this.path = path;
    this.problem = problem;
  }
}

/** Throws ConfigPathError when the text does not compile or is not a true/false condition. */
export function compileCondition(text: string, columns: Column[], path: string): Condition {
  const fields = new Map(columns.map((c) => [c.name, c.type]));
  try {
    return compileExprCondition(text, { fields }).test;
  } catch (e) {
    throw new ConfigPathError(path, (e as Error).message);
  }
}
