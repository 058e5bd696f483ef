// Schema-change safety at publish: what a new version would change in what its sinks already
// hold. Warehouse tables (compared with the latest version's sink writing the same table): an
// added nullable column is fine; a removed column, a changed type, a column made NOT NULL, an
// added NOT NULL column, another format or other partition columns are not, because files already
// written would no longer read as the table says. Avro Kafka sinks: the schema registry's own
// rules (the subject's compatibility level). Incompatible changes need an explicit
// --allow-incompatible and are recorded with the version.

import { sinkAvroSchema } from '../../config/derive.ts';
import type { Problem } from '../../config/problems.ts';
import type { Project, ResolvedSink } from '../../config/project.ts';
import { hiveTarget } from '../../config/resolve.ts';
import { RegistryClient } from '../../connectors/kafka/confluent.ts';
import { sinkColumns } from '../../sinks/columns.ts';
import { printType } from '../../types/print.ts';

const withoutNull = (t: string) => t.replace(/ NOT NULL$/, '');

function targetOf(project: Project, sink: ResolvedSink): string | undefined {
  if (!sink.config.hive) return undefined;
  const t = hiveTarget(project, sink.name, sink.config.hive);
  return `${t.database}.${t.table}`;
}

/** Changes of `after`'s warehouse tables that files written under `before` would not survive. */
export function warehouseChanges(before: Project, after: Project): Problem[] {
  const problems: Problem[] = [];
  const old = new Map<string, ResolvedSink>();
  for (const s of before.sinks) {
    const target = targetOf(before, s);
    if (target) old.set(target, s);
  }
  for (const sink of after.sinks) {
    const target = targetOf(after, sink);
    const was = target === undefined ? undefined : old.get(target);
    if (!target || !was) continue; // a new table: nothing written yet
    const hive = sink.config.hive!;
    const wasHive = was.config.hive!;
    const at = `sinks.${sink.name}.hive`;
    if (hive.format !== wasHive.format)
      problems.push({
        path: `${at}.format`,
        message: `table ${target} holds ${wasHive.format} files; ${hive.format} would mix two formats in it`,
      });
    const parts = (h: typeof hive) => (h.partitioned_by ?? []).join(', ');
    if (parts(hive) !== parts(wasHive))
      problems.push({
        path: `${at}.partitioned_by`,
        message: `table ${target} is partitioned by [${parts(wasHive)}]; [${parts(hive)}] would not find the partitions written`,
      });
    const table = sink.config.table;
    const columns = new Map(sinkColumns(after, sink.name).map((c) => [c.name, printType(c.type)]));
    const wasColumns = new Map(sinkColumns(before, was.name).map((c) => [c.name, printType(c.type)]));
    for (const [name, type] of wasColumns) {
      const now = columns.get(name);
      const path = `tables.${table}.schema.${name}`;
      if (now === undefined)
        problems.push({ path, message: `column ${name} (${type}) of ${target} would be removed` });
      else if (withoutNull(now) !== withoutNull(type))
        problems.push({
          path,
          message: `column ${name} of ${target} is ${type} in the files written; ${now} would change its type`,
        });
      else if (now.endsWith(' NOT NULL') && !type.endsWith(' NOT NULL'))
        problems.push({
          path,
          message: `column ${name} of ${target} may be NULL in the files written; NOT NULL would not hold`,
        });
    }
    for (const [name, type] of columns)
      if (!wasColumns.has(name) && type.endsWith(' NOT NULL'))
        problems.push({
          path: `tables.${table}.schema.${name}`,
          message: `added column ${name} of ${target} is NOT NULL, but the files written have no value for it: add it nullable`,
        });
  }
  return problems;
}

/** Problems the schema registry of each Avro Kafka sink sees in the sink's new value schema. */
export async function avroChanges(after: Project): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const sink of after.sinks) {
    const kafka = sink.config.kafka;
    if (kafka?.format !== 'avro' || kafka.registry === undefined) continue;
    const table = after.tables.find((t) => t.name === sink.config.table)!;
    const subject = `${kafka.topic}-value`;
    const path = `sinks.${sink.name}.kafka`;
    try {
      const r = await new RegistryClient(kafka.registry).checkCompatibility(
        subject,
        sinkAvroSchema(table, sink),
      );
      for (const message of r.compatible ? [] : r.messages.length > 0 ? r.messages : ['not compatible'])
        problems.push({ path, message: `subject ${subject} at ${kafka.registry}: ${message}` });
    } catch (e) {
      problems.push({
        path,
        message: `cannot check subject ${subject} at ${kafka.registry}: ${(e as Error).message}`,
      });
    }
  }
  return problems;
}
