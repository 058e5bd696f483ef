// The built-in function table, by lower-case name.
import { conditionalFunctions } from './cond.ts';
import { jsonFunctions } from './json.ts';
import { mathFunctions } from './math.ts';
import type { FnDef } from './registry.ts';
import { stringFunctions } from './string.ts';
import { timeFunctions } from './time.ts';

export type { FnDef } from './registry.ts';

const tables = new Map<string, Map<string, FnDef>>();

/** Every built-in function for expressions evaluated in `zone` (IANA name; default UTC). */
export function functionTable(zone: string | undefined): Map<string, FnDef> {
  const key = zone ?? 'UTC';
  let table = tables.get(key);
  if (!table) {
    table = new Map();
    for (const f of [
      ...stringFunctions,
      ...mathFunctions,
      ...conditionalFunctions,
      ...jsonFunctions,
      ...timeFunctions(zone),
    ]) {
      table.set(f.name, f);
    }
    if (tables.size > 100) tables.clear();
    tables.set(key, table);
  }
  return table;
}
