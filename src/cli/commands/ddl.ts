// `weir ddl <dir> [--dialect hive|spark|flink|avro] [--sink NAME]`: the definitions derived from table schemas.
import { sinkAvroSchema, sinkFlinkDdl, sinkHiveDdl, sinkSparkDdl } from '../../config/derive.ts';
import { didYouMean } from '../../config/problems.ts';
import type { Project, ResolvedSink } from '../../config/project.ts';
import { parseCommandArgs } from '../args.ts';
import { loadOrReport } from '../load.ts';

const HELP = `Usage: weir ddl <dir> [--dialect hive|spark|flink|avro] [--sink NAME]

Prints what each sink's table schema becomes in the target system:
  --dialect hive    CREATE EXTERNAL TABLE for the Hive sinks (location: the sink's, or
                    <warehouse>/<database>.db/<table>); json tables use Hive's JSON SerDe,
                    which needs the hive-hcatalog-core jar
  --dialect spark   Spark SQL CREATE TABLE for the Hive sinks that Spark reads with no extra
                    jar: USING parquet / USING json; text tables get the Hive DDL (Spark
                    reads them through Hive support)
  --dialect flink   Flink SQL CREATE TABLE for the Kafka sinks (json or avro-confluent)
  --dialect avro    the Avro schema of the Kafka sinks' rows (one sink: the schema; several:
                    a JSON object of sink name → schema)
  (no --dialect)    Hive DDL for Hive sinks and Flink DDL for Kafka sinks
  --sink NAME       only this sink
Register the partitions after creating a table, and again when new ones appear:
MSCK REPAIR TABLE <database>.<table> (Hive and Spark).`;

const DIALECTS = ['hive', 'spark', 'flink', 'avro'] as const;
type Dialect = (typeof DIALECTS)[number];

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('ddl', HELP, args, {
    dialect: { type: 'string', short: 'd' },
    sink: { type: 'string', short: 's' },
  });
  if (!parsed.ok) return parsed.code;
  const { values, positionals } = parsed;
  const dialect = values.dialect;
  if (dialect !== undefined && !(DIALECTS as readonly string[]).includes(dialect)) {
    console.error(
      `weir ddl: unknown dialect "${dialect}"${didYouMean(dialect, DIALECTS)}; use hive, spark, flink or avro`,
    );
    return 2;
  }
  const dir = positionals[0];
  if (!dir) {
    console.error(`weir ddl: give the project folder, e.g. weir ddl examples/tour --dialect hive\n\n${HELP}`);
    return 2;
  }
  const project = await loadOrReport(dir, 'ddl');
  if (!project) return 1;
  let sinks = project.sinks;
  if (values.sink !== undefined) {
    const one = sinks.find((s) => s.name === values.sink);
    if (!one) {
      const names = sinks.map((s) => s.name);
      const hint = didYouMean(values.sink, names);
      console.error(`weir ddl: unknown sink "${values.sink}"${hint}; sinks: ${names.join(', ') || 'none'}`);
      return 1;
    }
    sinks = [one];
  }
  const picked = sinks.filter((s) => fits(s, dialect as Dialect | undefined));
  if (picked.length === 0) {
    const kind = dialect === 'hive' || dialect === 'spark' ? 'Hive' : 'Kafka';
    const which =
      values.sink !== undefined ? `sink ${values.sink} is not a ${kind} sink` : `no ${kind} sinks`;
    console.error(`weir ddl: ${which} (--dialect ${dialect} is for ${kind} sinks)`);
    return 1;
  }
  try {
    console.log(render(project, picked, dialect as Dialect | undefined));
  } catch (err) {
    console.error(`weir ddl: ${(err as Error).message}`);
    return 1;
  }
  return 0;
}

function fits(sink: ResolvedSink, dialect: Dialect | undefined): boolean {
  if (dialect === undefined) return true;
  return dialect === 'hive' || dialect === 'spark'
    ? sink.config.hive !== undefined
    : sink.config.kafka !== undefined;
}

function render(project: Project, sinks: ResolvedSink[], dialect: Dialect | undefined): string {
  const tableOf = (sink: ResolvedSink) => project.tables.find((t) => t.name === sink.config.table)!;
  if (dialect === 'avro') {
    if (sinks.length === 1) return JSON.stringify(sinkAvroSchema(tableOf(sinks[0]!), sinks[0]!), null, 2);
    const all = Object.fromEntries(sinks.map((s) => [s.name, sinkAvroSchema(tableOf(s), s)]));
    return JSON.stringify(all, null, 2);
  }
  return sinks
    .map((s) => {
      const ddl = !s.config.hive
        ? sinkFlinkDdl(tableOf(s), s)
        : dialect === 'spark'
          ? sinkSparkDdl(project, tableOf(s), s)
          : sinkHiveDdl(project, tableOf(s), s);
      return `-- sink ${s.name}\n${ddl.trimEnd()}${ddl.trimEnd().endsWith(';') ? '' : ';'}`;
    })
    .join('\n\n');
}
