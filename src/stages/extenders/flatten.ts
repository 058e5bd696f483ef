// The flatten extender: nested objects (and optionally arrays) under one field become top-level
// fields named prefix + path joined by the separator. Iterative, so any nesting depth is safe.
import type { ExtenderConfig } from '../../config/model.ts';
import { StageError } from '../../core/errors.ts';
import type { ParsedRecord } from '../../core/record.ts';

export type FlattenConfig = Extract<ExtenderConfig, { flatten: unknown }>['flatten'];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function setField(rec: ParsedRecord, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
  else rec[key] = value;
}

// Overwriting silently would lose one of the two values.
function collision(field: string, name: string): StageError {
  return new StageError(
    'EXTEND_FLATTEN',
    `flattening ${field} gives the field "${name}", which the record already has; set a prefix or separator that keeps the names apart`,
    { field: name, errorClass: 'NameCollision' },
  );
}

/** What makes a flatten config unusable, at paths under `flatten` (weir validate and the job alike). */
export function flattenProblems(cfg: FlattenConfig): { path: string[]; message: string }[] {
  return cfg.field.trim() === '' ? [{ path: ['field'], message: 'must not be empty' }] : [];
}

export function compileFlatten(cfg: FlattenConfig): (rec: ParsedRecord) => ParsedRecord {
  const [problem] = flattenProblems(cfg);
  if (problem) throw new Error(`${problem.path.join('.')}: ${problem.message}`);
  const field = cfg.field;
  const separator = cfg.separator ?? '_';
  const prefix = cfg.prefix ?? field + separator;
  const maxDepth = cfg.max_depth ?? 8;
  const explodeArrays = (cfg.arrays ?? 'keep') === 'index';
  const keepOriginal = cfg.keep_original ?? false;

  // A value can be split further when it is an object, or an array in `index` mode.
  const splittable = (v: unknown): v is Record<string, unknown> | unknown[] =>
    isPlainObject(v) || (explodeArrays && Array.isArray(v));

  return (rec) => {
    if (!Object.hasOwn(rec, field)) return rec;
    const root = rec[field];
    if (!splittable(root)) return rec; // null, a scalar, or an array in `keep` mode

    const out: ParsedRecord = {};
    for (const k in rec) if (k !== field || keepOriginal) setField(out, k, rec[k]);
    // Depth-first with explicit (parallel) stacks; pushed in reverse so fields come out in source order.
    const names: string[] = [];
    const values: unknown[] = [];
    const depths: number[] = [];
    const pushChildren = (name: string, value: Record<string, unknown> | unknown[], depth: number): void => {
      const base = name === '' ? prefix : name + separator;
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) {
          names.push(base + i);
          values.push(value[i]);
          depths.push(depth);
        }
        return;
      }
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i]!;
        names.push(base + k);
        values.push(value[k]);
        depths.push(depth);
      }
    };
    pushChildren('', root, 1);
    while (names.length > 0) {
      const name = names.pop()!;
      const value = values.pop();
      const depth = depths.pop()!;
      if (depth < maxDepth && splittable(value)) pushChildren(name, value, depth + 1);
      else if (Object.hasOwn(out, name)) throw collision(field, name);
      else setField(out, name, value);
    }
    return out;
  };
}
