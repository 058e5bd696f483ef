// The project folder of each scenario: weir.yaml built from code (plus the UDF module of `udf`).
// Every run gets a fresh warehouse: writeProject removes the previous one.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { kindName } from '../../src/gen/gamelogs.ts';
import type { ScenarioName } from './scenarios.ts';

const HEADER = '^\\[(?<log_time>[^\\]]+)\\]\\[(?<log_type>\\w+)\\],';
const DT = { derive: { dt: 'substring(log_time, 1, 10)' } };

/** What an operations team keeps of a role event: nested role flattened, device and items nested. */
const FULL_SCHEMA = {
  log_time: 'TIMESTAMP(3) NOT NULL',
  log_type: 'STRING NOT NULL',
  server_id: 'INT NOT NULL',
  role_id: 'BIGINT NOT NULL',
  account_id: 'STRING',
  role_name: 'STRING',
  role_level: 'INT',
  role_vip_lv: 'INT',
  role_guild_id: 'BIGINT',
  device: 'ROW<os STRING, model STRING, ip STRING>',
  items: 'ARRAY<ROW<id BIGINT, cnt INT>>',
  extra: 'JSON',
  dt: 'STRING NOT NULL',
};

const SMALL_SCHEMA = {
  log_time: 'TIMESTAMP(3) NOT NULL',
  server_id: 'INT NOT NULL',
  role_id: 'BIGINT NOT NULL',
  value: 'BIGINT',
  dt: 'STRING NOT NULL',
};

/** The Python UDFs of the `udf` (postprocess) and `udf-pre` (preprocess) scenarios: the cheapest there are. */
export const NOOP_UDF = 'def process(record):\n    return record\n\n\ndef line(text):\n    return text\n';

/** The JS UDF of the `udf-js` scenario. */
export const NOOP_JS_UDF = 'export function process(record) {\n  return record;\n}\n';

type Json = Record<string, unknown>;

function kindFilter(kind: string): Json {
  return { contains: [`[${kind}]`] };
}

function fullTable(kind: string, extra: Json[] = []): Json {
  return {
    source: 'logs',
    filter: kindFilter(kind),
    parser: { oplog: { header: HEADER } },
    extend: [{ flatten: { field: 'role', prefix: 'role_', max_depth: 2 } }, ...extra, DT],
    schema: FULL_SCHEMA,
  };
}

function hiveSink(table: string, format: 'parquet' | 'json' | 'text'): Json {
  return { table, hive: { database: 'bench', format, compression: 'zstd', partitioned_by: ['dt'] } };
}

function filesSource(input: string): Json {
  return { logs: { files: { path: input } } };
}

export interface KafkaInput {
  brokers: string[];
  topic: string;
  group: string;
}

/**
 * The weir.yaml content of a scenario reading `input` (an absolute file path, or a Kafka topic for
 * `kafka`). `floor` has no project.
 */
export function projectConfig(scenario: Exclude<ScenarioName, 'floor'>, input: string | KafkaInput): Json {
  const base = { version: `bench-${scenario}`, warehouse: './warehouse' };
  const sources =
    typeof input === 'string'
      ? filesSource(input)
      : { logs: { kafka: { brokers: input.brokers, topic: input.topic, group: input.group } } };
  switch (scenario) {
    case 'one-table':
    case 'kafka':
      return {
        ...base,
        sources,
        tables: { login: fullTable(kindName(0)) },
        sinks: { login: hiveSink('login', 'parquet') },
      };
    case 'udf':
      return {
        ...base,
        sources,
        tables: { login: fullTable(kindName(0), [{ udf: 'udf/noop.py#process' }]) },
        sinks: { login: hiveSink('login', 'parquet') },
      };
    case 'udf-js':
      return {
        ...base,
        sources,
        tables: { login: fullTable(kindName(0), [{ udf: 'udf/noop.js#process' }]) },
        sinks: { login: hiveSink('login', 'parquet') },
      };
    case 'udf-pre':
      return {
        ...base,
        sources,
        tables: { login: { ...fullTable(kindName(0)), preprocess: 'udf/noop.py#line' } },
        sinks: { login: hiveSink('login', 'parquet') },
      };
    case 'mixed': {
      const formats = ['parquet', 'json', 'text'] as const;
      const names = formats.map((_, i) => kindName(i).toLowerCase());
      return {
        ...base,
        sources,
        tables: Object.fromEntries(names.map((n, i) => [n, fullTable(kindName(i))])),
        sinks: Object.fromEntries(names.map((n, i) => [n, hiveSink(n, formats[i])])),
      };
    }
    case 'many-tables': {
      const tables: Json = {};
      const sinks: Json = {};
      for (let i = 0; i < 1000; i++) {
        const kind = kindName(i);
        const name = kind.toLowerCase();
        tables[name] = {
          source: 'logs',
          filter: kindFilter(kind),
          parser: { oplog: { header: HEADER } },
          extend: [DT],
          schema: SMALL_SCHEMA,
        };
        sinks[name] = hiveSink(name, 'parquet');
      }
      return { ...base, sources, tables, sinks };
    }
  }
}

/** Writes the scenario's project folder (weir.yaml, udf/ when needed) and removes any old warehouse. */
export async function writeProject(
  dir: string,
  scenario: Exclude<ScenarioName, 'floor'>,
  input: string | KafkaInput,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await rm(join(dir, 'warehouse'), { recursive: true, force: true });
  const header = `# Generated by bench/run.ts for the ${scenario} scenario; rewritten on every run.\n`;
  await writeFile(
    join(dir, 'weir.yaml'),
    header + stringify(projectConfig(scenario, input), { lineWidth: 0 }),
  );
  if (scenario === 'udf' || scenario === 'udf-pre' || scenario === 'udf-js') {
    await mkdir(join(dir, 'udf'), { recursive: true });
    await writeFile(join(dir, 'udf', 'noop.py'), NOOP_UDF);
    await writeFile(join(dir, 'udf', 'noop.js'), NOOP_JS_UDF);
  }
}
