// The derive extender: field → expression (dynamic mode), in order, so a later expression sees the
// fields derived before it. Built once per table; `weir validate` reports what the build finds.
import { compileExpr } from '../../expr/index.ts';

type Compiled = ReturnType<typeof compileExpr>;

/** The compiled fields, or every problem at a path under `derive` (the field's name). */
export function buildDerive(cfg: Record<string, string>): {
  fields?: { field: string; expr: Compiled }[];
  problems: { path: string[]; message: string }[];
} {
  const problems: { path: string[]; message: string }[] = [];
  const fields: { field: string; expr: Compiled }[] = [];
  for (const [field, text] of Object.entries(cfg)) {
    if (field.trim() === '') {
      problems.push({ path: [], message: 'a derived field needs a name' });
      continue;
    }
    try {
      fields.push({ field, expr: compileExpr(text, { dynamic: true }) });
    } catch (e) {
      problems.push({ path: [field], message: (e as Error).message });
    }
  }
  return problems.length > 0 ? { problems } : { fields, problems };
}
