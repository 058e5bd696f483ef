// Weir's own registry endpoints: for each Kafka sink's subject (`<topic>-value`), the logical schema
// (the table schema, the single source of truth) and the Flink SQL DDL of the topic.
import { Hono } from 'hono';
import { sinkFlinkDdl } from '../config/derive.ts';
import type { Project, ResolvedSink, ResolvedTable } from '../config/project.ts';
import { sinkColumns } from '../config/resolve.ts';
import { printType } from '../types/print.ts';
import { registryError, registryJson } from './registry/routes.ts';
import { RegistryError } from './registry/store.ts';

export interface KafkaSubject {
  subject: string;
  sink: ResolvedSink;
  table: ResolvedTable;
}

/** The subject a Kafka sink's value schema is registered under (Confluent's TopicNameStrategy). */
export function sinkSubject(topic: string): string {
  return `${topic}-value`;
}

/** Every Kafka sink of the project with its subject. */
export function kafkaSubjects(project: Project): KafkaSubject[] {
  const out: KafkaSubject[] = [];
  for (const sink of project.sinks) {
    const kafka = sink.config.kafka;
    const table = project.tables.find((t) => t.name === sink.config.table);
    if (kafka && table) out.push({ subject: sinkSubject(kafka.topic), sink, table });
  }
  return out;
}

export function weirRoutes(project: Project | undefined): Hono {
  const app = new Hono();
  app.onError(registryError);
  const find = (subject: string): KafkaSubject => {
    const found = project ? kafkaSubjects(project).find((k) => k.subject === subject) : undefined;
    if (!found) {
      const known = project ? kafkaSubjects(project).map((k) => k.subject) : [];
      throw new RegistryError(
        404,
        40401,
        `Subject '${subject}' is not the subject of a Kafka sink of this project` +
          (known.length ? ` (subjects: ${known.join(', ')})` : ' (the server has no project loaded)'),
      );
    }
    return found;
  };

  app.get('/weir/subjects', (_c) =>
    registryJson(
      project
        ? kafkaSubjects(project).map((k) => ({
            subject: k.subject,
            sink: k.sink.name,
            table: k.table.name,
            topic: k.sink.config.kafka!.topic,
            format: k.sink.config.kafka!.format,
          }))
        : [],
    ),
  );

  app.get('/weir/subjects/:subject/logical', (c) => {
    const k = find(c.req.param('subject'));
    return registryJson({
      subject: k.subject,
      sink: k.sink.name,
      table: k.table.name,
      topic: k.sink.config.kafka!.topic,
      format: k.sink.config.kafka!.format,
      columns: sinkColumns(k.table, k.sink).map((col) => ({
        name: col.name,
        type: printType(col.type),
        nullable: col.type.nullable,
        ...(col.comment !== undefined ? { comment: col.comment } : {}),
      })),
    });
  });

  app.get('/weir/subjects/:subject/flink-ddl', (c) => {
    const k = find(c.req.param('subject'));
    return c.text(`${sinkFlinkDdl(k.table, k.sink)};\n`);
  });

  return app;
}
