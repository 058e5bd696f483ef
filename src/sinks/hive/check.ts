// `weir validate` for Hive sinks: partition columns, one sink per warehouse table, and the DDL and
// the text encoder built as the writer builds them.
import { sinkHiveDdl } from '../../config/derive.ts';
import { hiveTarget, sinkColumns } from '../../config/resolve.ts';
import { textLineEncoder } from '../../connectors/warehouse/text-lines.ts';
import type { SinkCheck } from '../contract.ts';

const PARTITION_KINDS = new Set([
  'STRING',
  'VARCHAR',
  'TINYINT',
  'SMALLINT',
  'INT',
  'BIGINT',
  'DATE',
  'BOOLEAN',
]);

export function checkHiveSink({ project, sink, table, report, known, claim, clean }: SinkCheck): void {
  const hive = sink.config.hive!;
  const columns = sink.config.columns;
  const target = hiveTarget(project, sink.name, hive);
  const other = claim(`hive table ${target.database}.${target.table}`.toLowerCase());
  if (other !== undefined)
    report(['hive'], `sink ${other} already writes Hive table ${target.database}.${target.table}`);
  hive.partitioned_by.forEach((p, i) => {
    const at = ['hive', 'partitioned_by', i];
    if (!known(p, at, 'partition column')) return;
    if (hive.partitioned_by.indexOf(p) !== i) report(at, `partition column "${p}" is listed twice`);
    if (columns && !columns.includes(p)) report(at, `partition column "${p}" is not in the sink's columns`);
    const col = table.columns.find((c) => c.name === p);
    if (col && !PARTITION_KINDS.has(col.type.kind)) {
      report(at, `partition column "${p}" is ${col.type.kind}; use STRING, an integer type, DATE or BOOLEAN`);
    }
  });
  if (!clean()) return; // the derivation would only repeat what is already reported
  try {
    sinkHiveDdl(project, table, sink);
    // The writer's own encoder, built without writing: text runs out of separators on deep nesting.
    if (hive.format === 'text') textLineEncoder(sinkColumns(table, sink));
  } catch (e) {
    report(
      ['hive', 'format'],
      `Hive format ${hive.format} cannot hold table ${table.name}: ${(e as Error).message}`,
    );
  }
}
