// Cross-reference checks over a resolved project. Every check adds to `problems` and goes on, so one
// run of `weir validate` reports everything that is wrong, not just the first thing.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { kafkaSourceProblems } from '../connectors/kafka/source-check.ts';
import type { Column } from '../core/types.ts';
import { compileTimeFormat } from '../expr/time.ts';
import { sinkKindOf } from '../sinks/registry.ts';
import { flattenProblems } from '../stages/extenders/flatten.ts';
import { buildParser } from '../stages/parser/index.ts';
import { compileUserRegex } from '../stages/parser/regex.ts';
import { parseUdfRef } from '../udf/ref.ts';
import { expressionProblems } from './check-expressions.ts';
import type { ColumnConfig, ParserConfig, UdfRefConfig } from './model.ts';
import { didYouMean, formatPath, type Problem } from './problems.ts';
import type { Project, ResolvedTable } from './project.ts';

type Path = (string | number)[];

/** Runs every cross-reference check; adds what it finds to `problems`. */
export async function validateProject(
  project: Project,
  problems: Problem[],
  opts: { deep?: boolean } = {},
): Promise<void> {
  const add = (path: Path, message: string) => problems.push({ path: formatPath(path), message });
  const sourceNames = Object.keys(project.config.sources);
  for (const [name, source] of Object.entries(project.config.sources)) {
    // The Kafka source's own checks (src/connectors/kafka/source-check.ts), as the consumer runs them.
    if (source.kafka)
      for (const p of kafkaSourceProblems(source.kafka))
        add(['sources', name, 'kafka', ...p.path], p.message);
  }
  for (const table of project.tables) await checkTable(project, table, sourceNames, add, opts.deep ?? false);
  // A derivation would only repeat a problem already reported about the table's schema.
  const unclean = new Set(
    project.tables
      .filter((t) => problems.some((p) => p.path.startsWith(`${formatPath(['tables', t.name, 'schema'])}`)))
      .map((t) => t.name),
  );
  checkSinks(project, add, unclean);
  checkExpressions(project, problems);
  // Checking Python UDFs started an interpreter; the job starts its own when it loads them.
  if (pythonChecked.has(project)) {
    pythonChecked.delete(project);
    const { stopIdlePythonHosts } = await import('../udf/python.ts');
    await stopIdlePythonHosts();
  }
}

/**
 * EXPRESSIONS — to be wired by the lead once src/expr lands: compile every `derive`, `drop_when`,
 * `counters` and sink `when` expression of the project and add each compile error as a problem
 * with its path (`tables.login.extend[1].derive.level`, `tables.login.drop_when`,
 * `tables.login.counters.vip`, `sinks.login_hive.when`). Called by validateProject.
 */
export function checkExpressions(project: Project, problems: Problem[]): void {
  problems.push(...expressionProblems(project));
}

type Add = (path: Path, message: string) => void;

/** Projects whose validation started a Python interpreter (stopped at its end). */
const pythonChecked = new WeakSet<Project>();

async function checkTable(
  project: Project,
  table: ResolvedTable,
  sources: string[],
  add: Add,
  deep: boolean,
): Promise<void> {
  const base: Path = ['tables', table.name];
  const cfg = table.config;
  if (!sources.includes(cfg.source)) {
    add([...base, 'source'], `unknown source "${cfg.source}"${didYouMean(cfg.source, sources)}`);
  }
  if (Object.keys(cfg.schema).length === 0) add([...base, 'schema'], 'a table needs at least one column');
  checkColumns(table, base, add);
  if (cfg.filter?.regex !== undefined) {
    try {
      compileUserRegex(cfg.filter.regex);
    } catch (e) {
      const why = (e as Error).message.replace(/^Invalid regular expression: /, '');
      add([...base, 'filter', 'regex'], `the regex does not compile: ${why}`);
    }
  }
  checkParser(cfg.parser, [...base, 'parser'], add);
  if (cfg.preprocess !== undefined)
    await checkUdf(project, cfg.preprocess, [...base, 'preprocess'], add, deep);
  for (const [i, ext] of cfg.extend.entries()) {
    const at: Path = [...base, 'extend', i];
    // derive expressions and names: checkExpressions, with the other expressions
    if ('udf' in ext) await checkUdf(project, ext.udf, [...at, 'udf'], add, deep);
    else if ('flatten' in ext)
      for (const p of flattenProblems(ext.flatten)) add([...at, 'flatten', ...p.path], p.message);
  }
  checkRegexFields(table, base, add);
}

/**
 * A regex parser gives only its named groups (and `derive` adds fields): a NOT NULL column without
 * a default that neither gives would fail NOT_NULL on every record.
 */
function checkRegexFields(table: ResolvedTable, base: Path, add: Add): void {
  const cfg = table.config;
  if (!('regex' in cfg.parser) || cfg.preprocess !== undefined) return;
  if (cfg.extend.some((ext) => 'udf' in ext)) return; // a UDF may add any field
  const groups = buildParser(cfg.parser).fields;
  if (!groups) return; // the parser's problems are reported with it
  const given = new Set(groups);
  for (const ext of cfg.extend) if ('derive' in ext) for (const f of Object.keys(ext.derive)) given.add(f);
  for (const c of table.columns) {
    if (c.type.nullable || c.default !== undefined) continue;
    const field = (c.from ?? c.name).split('.')[0]!;
    if (given.has(field)) continue;
    add(
      [...base, 'schema', c.name],
      `NOT NULL column "${c.name}" gets no value: the regex has no group (?<${field}>...) and nothing derives "${field}", so every record would fail NOT_NULL (the regex's groups: ${groups.join(', ')})`,
    );
  }
}

function checkColumns(table: ResolvedTable, base: Path, add: Add): void {
  const seen = new Map<string, string>();
  for (const [name, spec] of Object.entries(table.config.schema)) {
    const at: Path = [...base, 'schema', name];
    if (name.trim() === '') add(at, 'a column needs a name');
    const lower = name.toLowerCase();
    const first = seen.get(lower);
    if (first !== undefined) {
      add(at, `duplicate column: "${first}" and "${name}" are the same name in Hive (names ignore case)`);
    } else seen.set(lower, name);
    checkColumnOptions(
      spec,
      table.columns.find((c) => c.name === name),
      at,
      add,
    );
  }
}

function checkColumnOptions(spec: ColumnConfig, column: Column | undefined, at: Path, add: Add): void {
  if (typeof spec === 'string') return;
  if (spec.from?.split('.').some((part) => part.trim() === '')) {
    add(
      [...at, 'from'],
      spec.from.trim() === '' ? 'must not be empty' : `"${spec.from}" has an empty part between dots`,
    );
  }
  if (spec.timezone !== undefined && !isTimeZone(spec.timezone)) {
    add([...at, 'timezone'], `unknown time zone "${spec.timezone}"${didYouMean(spec.timezone, timeZones())}`);
  }
  if (column && spec.format !== undefined) {
    const kind = column.type.kind;
    if (kind !== 'DATE' && kind !== 'TIMESTAMP' && kind !== 'TIMESTAMP_LTZ') {
      add([...at, 'format'], `input formats apply to DATE and TIMESTAMP columns, not ${kind}`);
    }
    for (const f of column.formats ?? []) {
      if (f.trim() === '') add([...at, 'format'], 'must not be empty');
      else if (/%[A-Za-z]/.test(f)) {
        add(
          [...at, 'format'],
          `"${f}" looks like a strftime pattern (%Y-%m-%d); formats use Java letters, e.g. yyyy-MM-dd HH:mm:ss (docs/functions.md)`,
        );
      } else {
        // The formatter's own compile: what passes here is what the job runs.
        try {
          compileTimeFormat(f);
        } catch (e) {
          add([...at, 'format'], (e as Error).message);
        }
      }
    }
  }
}

/** The parser's own build (src/stages/parser): what validates is what the job compiles. */
function checkParser(parser: ParserConfig, at: Path, add: Add): void {
  for (const p of buildParser(parser).problems) add([...at, ...p.path], p.message);
}

async function checkUdf(
  project: Project,
  config: UdfRefConfig,
  at: Path,
  add: Add,
  deep: boolean,
): Promise<void> {
  const dir = project.dir;
  if (typeof config === 'object') at = [...at, 'python' in config ? 'python' : 'js'];
  // The loader's own parse (src/udf/ref.ts): what validates is what loads.
  const { ref, problems } = parseUdfRef(config);
  for (const p of problems) add(at, p);
  if (!ref) return;
  const { file } = ref;
  const isPy = ref.language === 'python';
  const abs = resolve(dir, file);
  if (!existsSync(abs)) add(at, `file ${file} not found`);
  else if (!statSync(abs).isFile()) add(at, `${file} is not a file`);
  else if (deep && isPy) {
    // Loading runs its imports: a module Pyodide does not have is caught here, not at run time.
    const { checkPythonUdf } = await import('../udf/python.ts');
    pythonChecked.add(project);
    const problem = await checkPythonUdf(ref.ref, {
      projectDir: dir,
      timeoutMs: project.config.udf.timeout_ms,
      memoryMb: project.config.udf.memory_mb,
    });
    if (problem !== null) add(at, problem);
  }
}

/** What every sink has (its table, its columns); then its kind's own check (src/sinks/<kind>/check.ts). */
function checkSinks(project: Project, add: Add, uncleanTables: Set<string>): void {
  const tables = new Map(project.tables.map((t) => [t.name, t]));
  const claims = new Map<string, string>();
  for (const sink of project.sinks) {
    const base: Path = ['sinks', sink.name];
    const cfg = sink.config;
    const table = tables.get(cfg.table);
    if (!table) {
      add([...base, 'table'], `unknown table "${cfg.table}"${didYouMean(cfg.table, tables.keys())}`);
      continue;
    }
    let reported = 0;
    const report = (path: Path, message: string) => {
      reported++;
      add([...base, ...path], message);
    };
    const names = Object.keys(table.config.schema);
    const known = (name: string, at: Path, what: string): boolean => {
      if (names.includes(name)) return true;
      report(at, `${what} "${name}" is not a column of table ${table.name}${didYouMean(name, names)}`);
      return false;
    };
    cfg.columns?.forEach((c, i) => {
      if (known(c, ['columns', i], 'column') && cfg.columns!.indexOf(c) !== i) {
        report(['columns', i], `column "${c}" is listed twice`);
      }
    });
    sinkKindOf(sink).check({
      project,
      sink,
      table,
      report,
      known,
      claim(resource) {
        const first = claims.get(resource);
        if (first === undefined) claims.set(resource, sink.name);
        return first;
      },
      clean: () => reported === 0 && !uncleanTables.has(table.name),
    });
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

let zones: string[] | undefined;
function timeZones(): string[] {
  zones ??= [...Intl.supportedValuesOf('timeZone'), 'UTC'];
  return zones;
}
