// `weir sql <dir> "<query>" [--json]`: query the warehouse tables (db.table) with DuckDB.
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadProject } from '../../config/load.ts';
import { formatProblem } from '../../config/problems.ts';
import { openWarehouse } from '../../connectors/warehouse/sql.ts';
import { parseCommandArgs } from '../args.ts';

const USAGE = 'Usage: weir sql <project-dir> "<query>" [--json]';
const HELP = `${USAGE}\n\nEach catalog table is a view named <database>.<table>; only committed files are visible.`;

/** The project's absolute warehouse path. */
export async function projectWarehouse(dir: string): Promise<string> {
  const result = await loadProject(dir);
  if (!result.ok) {
    throw new Error(
      `the project in ${dir} has problems:\n  ${result.problems.map(formatProblem).join('\n  ')}`,
    );
  }
  return result.project.warehouse;
}

function bigintSafeJson(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(bigintSafeJson).join(',')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${bigintSafeJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const EXACT_NUMBER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|DECIMAL)/;

/** Runs `query`; returns JSON lines (bigint-safe) or an aligned table. */
export async function runQuery(conn: DuckDBConnection, query: string, json: boolean): Promise<string> {
  const result = await conn.runAndReadAll(query);
  const names = result.columnNames();
  const types = result.columnTypes().map((t) => t.toString());
  const rows = result.getRowsJson();
  if (json) {
    return rows
      .map(
        (r) =>
          `{${r
            .map((v, i) => {
              // Exact numbers come back as text; print them as JSON numbers with every digit.
              const text = typeof v === 'string' && EXACT_NUMBER.test(types[i]!) ? v : bigintSafeJson(v);
              return `${JSON.stringify(names[i])}:${text}`;
            })
            .join(',')}}`,
      )
      .join('\n');
  }
  const cells = rows.map((r) =>
    r.map((v) => (v === null ? 'NULL' : typeof v === 'string' ? v : JSON.stringify(v))),
  );
  const shown = (s: string) =>
    s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const widths = names.map((n, i) =>
    Math.max(n.length, types[i]!.length, ...cells.map((r) => shown(r[i]!).length)),
  );
  const line = (parts: string[], right: boolean[] = []) =>
    parts.map((p, i) => (right[i] ? p.padStart(widths[i]!) : p.padEnd(widths[i]!))).join(' | ');
  const numeric = types.map((t) => EXACT_NUMBER.test(t) || t === 'DOUBLE' || t === 'FLOAT');
  return [
    line(names),
    line(types),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...cells.map((r) => line(r.map(shown), numeric)),
    `(${rows.length} row${rows.length === 1 ? '' : 's'})`,
  ].join('\n');
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('sql', HELP, args, { json: { type: 'boolean', default: false } });
  if (!parsed.ok) return parsed.code;
  const { values, positionals } = parsed;
  if (positionals.length !== 2) {
    console.error(USAGE);
    return 2;
  }
  const [dir, query] = positionals as [string, string];
  let conn: DuckDBConnection | undefined;
  try {
    conn = await openWarehouse(await projectWarehouse(dir));
    console.log(await runQuery(conn, query, values.json));
    return 0;
  } catch (e) {
    console.error(`weir sql: ${(e as Error).message}`);
    return 1;
  } finally {
    conn?.closeSync();
  }
}
