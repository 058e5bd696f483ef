import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { checkpointRoot } from '../../runtime/run.ts';
import { errorStoreFiles, errorStoreLocation } from '../../sinks/errors/store.ts';
import { parseCommandArgs } from '../args.ts';
import { loadOrReport } from '../load.ts';
import { table } from '../summary.ts';

const HELP = `Usage: weir errors <dir> [--code C] [--table T] [--day yyyy-MM-dd] [--limit N] [--all] [--json]

Counts committed error records by day, code and table, then shows the newest ones
(what failed, where in the source, and the raw record). Error records weir replay already took
are left out (a record that failed again is there as a new error record); --all shows them too.

Example:
  weir errors examples/quickstart --code CAST --limit 3`;

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('errors', HELP, args, {
    code: { type: 'string' },
    table: { type: 'string' },
    day: { type: 'string' },
    limit: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
  });
  if (!parsed.ok) return parsed.code;
  const { values, positionals } = parsed;
  const project = await loadOrReport(positionals[0], 'errors');
  if (!project) return 1;
  const limit = Number(values.limit);
  const location = errorStoreLocation(project.warehouse, project.config.errors.location);
  if (!existsSync(location)) {
    if (values.json) console.log(JSON.stringify({ counts: [], records: [] }));
    else console.log('no error records (nothing committed yet)');
    return 0;
  }
  const where: string[] = [];
  if (values.code) where.push(`code = ${quote(values.code)}`);
  if (values.table) where.push(`"table" = ${quote(values.table)}`);
  if (values.day) where.push(`dt = ${quote(values.day)}`);
  // Listed, not globbed: a partition being compacted is read from where the compaction points.
  const stored = await errorStoreFiles(location);
  const files = `[${stored.map((f) => quote(f.path)).join(', ')}]`;
  let lenient = '';
  const src =
    () => `read_json(${files}, hive_partitioning = true, format = 'newline_delimited', union_by_name = true${lenient},
    columns = {time: 'VARCHAR', stage: 'VARCHAR', "table": 'VARCHAR', field: 'VARCHAR', error_class: 'VARCHAR',
    message: 'VARCHAR', raw: 'VARCHAR', split: 'VARCHAR', "offset": 'BIGINT', line: 'BIGINT', config_version: 'VARCHAR'})`;
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const ledgers = join(checkpointRoot(project), '_replays');
  const replays = existsSync(ledgers) && readdirSync(ledgers).some((n) => n.endsWith('.json'));
  const match = `p.time = e.time AND p.split = e.split AND p."offset" = e."offset" AND p.code = e.code
    AND p."table" IS NOT DISTINCT FROM e."table"`;
  if (replays) {
    await conn.run(`CREATE TEMP TABLE replayed AS SELECT id, config_version AS version, r.time, r.split, r."offset", r.code, r."table"
      FROM (SELECT id, configVersion AS config_version, unnest(records) AS r FROM read_json(${quote(join(ledgers, '*.json'))},
        columns = {id: 'VARCHAR', configVersion: 'VARCHAR',
          records: 'STRUCT(time VARCHAR, split VARCHAR, "offset" BIGINT, code VARCHAR, "table" VARCHAR)[]'}))`);
    if (!values.all) where.push(`NOT EXISTS (SELECT 1 FROM replayed p WHERE ${match})`);
  }
  // Which replay took a record, and with which version (shown with --all).
  const replayedBy = replays
    ? `, (SELECT p.id FROM replayed p WHERE ${match} LIMIT 1) AS replayed_by,
       (SELECT p.version FROM replayed p WHERE ${match} LIMIT 1) AS replayed_version`
    : '';
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  try {
    if (stored.length === 0) {
      console.log('no error records (nothing committed yet)');
      return 0;
    }
    const read = async (sql: () => string) => {
      try {
        return (await conn.runAndReadAll(sql())).getRowObjectsJson();
      } catch (e) {
        if (lenient || !/Malformed JSON/.test((e as Error).message)) throw e;
        // Stores written before error text was made well-formed may hold a line DuckDB refuses.
        console.error(
          `weir errors: some error records could not be read and are left out: ${(e as Error).message.split('\n')[0]}`,
        );
        lenient = ', ignore_errors = true';
        return (await conn.runAndReadAll(sql())).getRowObjectsJson();
      }
    };
    const counts = await read(
      () =>
        `SELECT dt AS day, code, "table", count(*) AS records FROM ${src()} AS e ${filter} GROUP BY ALL ORDER BY day DESC, records DESC`,
    );
    const records = await read(
      () => `SELECT time, code, stage, "table", field, error_class, message, raw, split, "offset", line${replayedBy}
         FROM ${src()} AS e ${filter} ORDER BY time DESC, split, "offset" LIMIT ${Number.isFinite(limit) ? limit : 10}`,
    );
    if (values.json) {
      console.log(JSON.stringify({ counts, records }, null, 2));
      return 0;
    }
    if (counts.length === 0) {
      console.log('no error records match');
      return 0;
    }
    console.log(
      table([
        ['day', 'code', 'table', 'records'],
        ...counts.map((c) => [String(c.day), String(c.code), String(c.table ?? '-'), String(c.records)]),
      ]),
    );
    console.log(`\nnewest ${records.length}:`);
    for (const r of records) {
      const where = `${r.split}${r.line != null ? `:${r.line}` : ` @${r.offset}`}`;
      const raw = String(r.raw ?? '');
      console.log(
        `\n[${r.code}] ${r.table ?? '-'}${r.field ? `.${r.field}` : ''} (${r.stage}, ${r.error_class}) at ${where}`,
      );
      console.log(`  ${r.message}`);
      console.log(`  raw: ${raw.length > 160 ? `${raw.slice(0, 160)}…` : raw}`);
      if (r.replayed_by)
        console.log(
          `  replayed by weir replay ${r.replayed_by}${r.replayed_version ? ` (version ${r.replayed_version})` : ''}`,
        );
    }
    return 0;
  } finally {
    conn.closeSync();
  }
}
