// From a shape-valid config to a Project: parsed columns, absolute paths, the config version.
import { isAbsolute, join, resolve } from 'node:path';
import type { Column } from '../core/types.ts';
import { parseColumnType } from '../types/index.ts';
import { defaultValue } from './defaults.ts';
import type { ColumnConfig, HiveSinkConfig, ProjectConfig } from './model.ts';
import { formatPath, type Problem } from './problems.ts';
import type { Project, ResolvedSink, ResolvedTable } from './project.ts';
import { versionLabel } from './project-files.ts';

const CONFIG_FILE_NAME = 'weir.yaml';

/** Builds the Project; column type problems are added to `problems` (such columns are left out). */
export function resolveProject(
  config: ProjectConfig,
  text: string,
  dir: string,
  problems: Problem[],
  /** The label when the config names no `version` (default: versionLabel of weir.yaml alone). */
  label?: string,
): Project {
  const absDir = resolve(dir);
  const tables: ResolvedTable[] = Object.entries(config.tables).map(([name, tableConfig]) => ({
    name,
    config: tableConfig,
    columns: Object.entries(tableConfig.schema).flatMap(([column, spec]) => {
      const c = resolveColumn(column, spec, ['tables', name, 'schema', column], problems);
      return c ? [c] : [];
    }),
  }));
  const sinks: ResolvedSink[] = Object.entries(config.sinks).map(([name, sinkConfig]) => ({
    name,
    config: sinkConfig,
  }));
  // Folders weir.yaml names are relative to the project folder, not to where weir runs.
  const resolved = {
    ...config,
    checkpoint: {
      ...config.checkpoint,
      ...(config.checkpoint.dir === undefined ? {} : { dir: resolvePath(absDir, config.checkpoint.dir) }),
    },
    errors: {
      ...config.errors,
      ...(config.errors.location === undefined
        ? {}
        : { location: resolvePath(absDir, config.errors.location) }),
    },
  };
  return {
    dir: absDir,
    config: resolved,
    version: config.version ?? label ?? versionLabel({ [CONFIG_FILE_NAME]: text }),
    text,
    warehouse: resolvePath(absDir, config.warehouse),
    tables,
    sinks,
  };
}

/** A project-relative path made absolute; URIs (hdfs://, s3://, file://) are kept as they are. */
export function resolvePath(projectDir: string, path: string): string {
  if (isUri(path)) return path;
  return isAbsolute(path) ? path : resolve(projectDir, path);
}

function isUri(path: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(path);
}

/** One schema entry as a Column, or undefined (with a problem) when its type or default is wrong. */
export function resolveColumn(
  name: string,
  spec: ColumnConfig,
  path: (string | number)[],
  problems: Problem[],
): Column | undefined {
  const typeText = typeof spec === 'string' ? spec : spec.type;
  let parsed: ReturnType<typeof parseColumnType>;
  try {
    parsed = parseColumnType(typeText);
  } catch (err) {
    problems.push({ path: formatPath([...path, 'type']), message: typeMessage(err, typeText) });
    return undefined;
  }
  const column: Column = { name, type: parsed.type, from: name, onError: 'error', formats: [] };
  const comment = typeof spec === 'string' ? parsed.comment : (spec.comment ?? parsed.comment);
  if (comment !== undefined) column.comment = comment;
  if (typeof spec !== 'string') {
    if (spec.from !== undefined) column.from = spec.from;
    column.onError = spec.on_error;
    if (spec.format !== undefined)
      column.formats = typeof spec.format === 'string' ? [spec.format] : spec.format;
    if (spec.timezone !== undefined) column.timezone = spec.timezone;
  }
  const hasObjectDefault = typeof spec !== 'string' && 'default' in spec;
  const rawDefault = hasObjectDefault ? spec.default : parsed.default;
  if (hasObjectDefault || parsed.default !== undefined) {
    try {
      column.default = defaultValue(parsed.type, rawDefault);
    } catch (err) {
      const at = hasObjectDefault ? 'default' : 'type';
      problems.push({ path: formatPath([...path, at]), message: (err as Error).message });
      return undefined;
    }
  }
  return column;
}

// TypeSyntaxError messages carry the offset (`... at 12`); in a config message the offset is shown
// against the type text instead, and left out when it is the start.
function typeMessage(err: unknown, text: string): string {
  if (!(err instanceof Error)) return String(err);
  const position = (err as { position?: unknown }).position;
  if (typeof position !== 'number') return err.message;
  const marker = ` at ${position}`;
  const i = err.message.indexOf(marker);
  if (i < 0) return err.message;
  const rest = err.message.slice(i + marker.length);
  if (/^\d/.test(rest)) return err.message;
  const message = err.message.slice(0, i) + rest;
  return position === 0 ? message : `${message}, at character ${position + 1} of "${text}"`;
}

/** The columns a sink loads: its `columns` list (in that order), or every column of the table. */
export function sinkColumns(table: ResolvedTable, sink: ResolvedSink): Column[] {
  const wanted = sink.config.columns;
  if (!wanted) return table.columns;
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  return wanted.flatMap((n) => {
    const c = byName.get(n);
    return c ? [c] : [];
  });
}

/** Where a Hive sink writes: database, table and the absolute location (or URI). */
export function hiveTarget(
  project: Project,
  sinkName: string,
  hive: HiveSinkConfig,
): { database: string; table: string; location: string } {
  const table = hive.table ?? sinkName;
  const location =
    hive.location !== undefined
      ? resolvePath(project.dir, hive.location)
      : isUri(project.warehouse)
        ? `${project.warehouse.replace(/\/+$/, '')}/${hive.database}.db/${table}`
        : join(project.warehouse, `${hive.database}.db`, table);
  return { database: hive.database, table, location };
}
