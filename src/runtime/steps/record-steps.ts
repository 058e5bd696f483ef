// Per-record steps: parser, flatten and derive. Each compiles once and turns whatever a record
// makes it throw into that record's error.

import type { ExtenderConfig, ParserConfig } from '../../config/model.ts';
import { formatPath } from '../../config/problems.ts';
import type { ErrorCode } from '../../core/errors.ts';
import type { ParsedRecord } from '../../core/record.ts';
import { buildDerive } from '../../stages/extenders/derive.ts';
import { compileFlatten } from '../../stages/extenders/flatten.ts';
import { compileParser } from '../../stages/parser/index.ts';
import { ConfigPathError } from '../../stages/splitter/condition.ts';
import { failureOf } from './errors.ts';
import type { Item, Step } from './types.ts';

type DeriveConfig = Extract<ExtenderConfig, { derive: unknown }>['derive'];
type FlattenConfig = Extract<ExtenderConfig, { flatten: unknown }>['flatten'];

/** The error code of a parser failure that is not a StageError (e.g. a stack overflow on deep input). */
function parseCode(cfg: ParserConfig): ErrorCode {
  if ('regex' in cfg) return 'PARSE_REGEX_NO_MATCH';
  if ('csv' in cfg) return 'PARSE_CSV';
  return 'PARSE_JSON';
}

export function parseStep(cfg: ParserConfig): Step {
  const parse = compileParser(cfg);
  const fallback = parseCode(cfg);
  return (items, batch) => {
    const out: Item[] = [];
    for (const item of items) {
      try {
        const rec = parse(item.value as string, item.raw.position);
        if (rec === null) batch.counters.recordsDropped++;
        else {
          // Items belong to this table's batch: updating in place saves an object per record and step.
          item.value = rec;
          out.push(item);
        }
      } catch (e) {
        batch.fail(item, failureOf(e, 'parser', fallback));
      }
    }
    return out;
  };
}

export function flattenStep(cfg: FlattenConfig): Step {
  const flatten = compileFlatten(cfg);
  return (items, batch) => {
    const out: Item[] = [];
    for (const item of items) {
      try {
        item.value = flatten(item.value as ParsedRecord);
        out.push(item);
      } catch (e) {
        batch.fail(item, failureOf(e, 'extend', 'EXTEND_FLATTEN'));
      }
    }
    return out;
  };
}

/** `derive`: field → expression in dynamic mode, in order (a later expression sees earlier fields). */
export function deriveStep(cfg: DeriveConfig, path: (string | number)[]): Step {
  const { fields, problems } = buildDerive(cfg);
  if (!fields) throw new ConfigPathError(formatPath([...path, ...problems[0]!.path]), problems[0]!.message);
  return (items, batch) => {
    const out: Item[] = [];
    for (const item of items) {
      const rec = item.value as ParsedRecord;
      let current = '';
      try {
        for (const { field, expr } of fields) {
          current = field;
          rec[field] = expr.evaluate(rec);
        }
        out.push(item);
      } catch (e) {
        const f = failureOf(e, 'extend', 'EXPR');
        f.message = `derive ${current}: ${f.message}`;
        f.field ??= current;
        batch.fail(item, f);
      }
    }
    return out;
  };
}
