// A loaded, validated project: the weir.yaml config plus what loading resolves.
import type { Column } from '../core/types.ts';
import type { ProjectConfig, SinkConfig, TableConfig } from './model.ts';

export interface ResolvedTable {
  name: string;
  config: TableConfig;
  /** The schema's columns, parsed, in declaration order. */
  columns: Column[];
}

export interface ResolvedSink {
  name: string;
  config: SinkConfig;
}

export interface Project {
  /** Absolute path of the project folder. */
  dir: string;
  config: ProjectConfig;
  /** The config's `version`, or a short hash of weir.yaml. */
  version: string;
  /** The weir.yaml text the project was loaded from. */
  text: string;
  /** Absolute warehouse path. */
  warehouse: string;
  tables: ResolvedTable[];
  sinks: ResolvedSink[];
}
