// `weir serve <dir> [--port N]`: the HTTP server — a Confluent-compatible schema registry plus
// Weir's endpoints (logical schema, Flink DDL per Kafka sink subject).
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { sinkAvroSchema } from '../../config/derive.ts';
import type { Project } from '../../config/project.ts';
import { createApp } from '../../server/app.ts';
import { ConfigStore } from '../../server/center/store.ts';
import { Registry } from '../../server/registry/store.ts';
import { tokenCheck } from '../../server/tokens.ts';
import { kafkaSubjects } from '../../server/weir-routes.ts';
import { parseCommandArgs } from '../args.ts';
import { loadOrReport } from '../load.ts';
import { tokensFile } from './token.ts';

const HELP = `Usage: weir serve <dir> [--port N] [--host H] [--registry-dir DIR] [--tokens FILE] [--center FILE]

Starts Weir's HTTP server: a Confluent-compatible schema registry (use its URL as the
registry of Kafka sinks/sources with format: avro, and in Flink's avro-confluent format),
and per Kafka sink subject (<topic>-value) the logical schema and the Flink SQL DDL:
  GET /weir/subjects/<topic>-value/logical
  GET /weir/subjects/<topic>-value/flink-ddl
At start it registers the Avro schema of every Kafka sink with format: avro.

  --port N            port to listen on (default 8081, the registry's usual port; 0 = any free port)
  --host H            address to bind (default 127.0.0.1, this machine only; 0.0.0.0 = every interface)
  --registry-dir DIR  where the registry keeps its schemas (default <warehouse>/_registry)
  --center FILE       the config center's store (default <warehouse>/_server/config-center.db):
                      projects' versions under /projects (weir publish, weir versions)
  --tokens FILE       the API tokens (default <warehouse>/_server/tokens.json; see weir token --help)
Once a token exists (weir token create, or WEIR_TOKEN: one admin token), every change (POST, PUT,
DELETE) needs "Authorization: Bearer <token>" of a role that may make it; reads stay open.
Without tokens the server listens on this machine only: another --host is refused.
Stop with Ctrl-C (SIGINT) or SIGTERM.

Example:
  weir token create examples/kafka --name flink --role viewer
  weir serve examples/kafka --host 0.0.0.0 --port 8081`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('serve', HELP, args, {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    'registry-dir': { type: 'string' },
    tokens: { type: 'string' },
    center: { type: 'string' },
  });
  if (!parsed.ok) return parsed.code;
  const { values, positionals } = parsed;
  const port = values.port === undefined ? 8081 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`weir serve: --port must be a whole number from 0 to 65535, got "${values.port}"`);
    return 2;
  }
  const project = await loadOrReport(positionals[0], 'serve');
  if (!project) return 1;
  const storeDir = values['registry-dir'] ?? join(project.warehouse, '_registry');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(storeDir)) {
    console.error(
      `weir serve: the registry keeps its store on local disk; the warehouse is ${project.warehouse}, so give --registry-dir`,
    );
    return 2;
  }
  let registry: Registry;
  try {
    registry = await Registry.open(storeDir);
  } catch (err) {
    console.error(`weir serve: cannot open the registry store in ${storeDir}: ${(err as Error).message}`);
    return 1;
  }
  await registerSinks(project, registry);

  const file = tokensFile(project, values.tokens);
  const tokens = tokenCheck(file, process.env.WEIR_TOKEN || undefined);
  let configured: boolean;
  try {
    configured = await tokens.configured();
  } catch (err) {
    console.error(`weir serve: ${(err as Error).message}`);
    return 1;
  }
  const host = values.host ?? '127.0.0.1';
  if (!configured && host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    console.error(
      `weir serve: refusing to listen on ${host} without tokens: anyone who could reach it could change schemas. Create one first (weir token create ${positionals[0] ?? '<dir>'} --name NAME --role admin), or keep the default --host 127.0.0.1`,
    );
    return 2;
  }
  const centerFile = values.center ?? join(project.warehouse, '_server', 'config-center.db');
  let center: ConfigStore;
  try {
    center = ConfigStore.open(centerFile);
  } catch (err) {
    console.error(`weir serve: cannot open the config center store ${centerFile}: ${(err as Error).message}`);
    return 1;
  }
  const app = createApp({ registry, project, tokens, center });
  return new Promise<number>((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: host });
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? `port ${port} is already in use (try --port)` : err.message;
      console.error(`weir serve: cannot listen on ${host}:${port}: ${why}`);
      resolve(1);
    });
    server.once('listening', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      console.log(`weir serve: schema registry at http://${shown}:${actual} (store: ${storeDir})`);
      console.log(`weir serve: config center at http://${shown}:${actual}/projects (store: ${centerFile})`);
    });
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close(() => {
        center.close();
        resolve(0);
      });
      // idle keep-alive connections would hold close() open
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Registers the Avro schema of each avro Kafka sink; a refused one is reported, the server still starts. */
async function registerSinks(project: Project, registry: Registry): Promise<void> {
  for (const k of kafkaSubjects(project)) {
    if (k.sink.config.kafka?.format !== 'avro') continue;
    try {
      const id = await registry.register(k.subject, JSON.stringify(sinkAvroSchema(k.table, k.sink)));
      console.log(`weir serve: sink ${k.sink.name}: subject ${k.subject} has schema id ${id}`);
    } catch (err) {
      console.error(`weir serve: sink ${k.sink.name}: ${(err as Error).message}`);
    }
  }
}
