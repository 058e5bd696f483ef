// `weir` command-line entry: a thin dispatcher; each command lives in commands/<name>.ts
// and exports `run(args: string[]): Promise<number>` (the exit code).

const COMMANDS: Record<string, string> = {
  quickstart: 'generate sample game logs and run the quickstart project end to end',
  validate: 'check a project (weir.yaml) and report every problem with its config path',
  schema: 'print the JSON Schema of weir.yaml (for editor completion)',
  ddl: 'print Hive / Spark / Flink SQL / Avro definitions derived from the table schemas',
  preview: 'run the pipeline on sample lines and show rows and error records per table',
  run: 'run the project: one job per source, every table of the source in one read',
  sql: 'query the warehouse tables with DuckDB (db.table names)',
  status: 'show SLA counters per table and sink',
  errors: 'count and show error records',
  replay: 'run stored error records again through the fixed config',
  backfill: "rebuild a table's partitions from raw input and swap them in atomically",
  compact: 'merge the small files of partitions into fewer, larger ones (atomic for readers)',
  serve: 'start the HTTP server (schema registry, Flink SQL DDL per Kafka sink)',
  token: 'create, list and revoke the API tokens (with roles) weir serve accepts',
  publish: 'publish the project as a new version in the config center of a weir serve',
  versions: "list a project's versions in the config center, or diff two",
  rollback: 'publish an old version of a project again as its newest',
  generate: 'write deterministic sample game logs (for trying things and benchmarks)',
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([c, d]) => `  ${c.padEnd(width)}  ${d}`);
  return `Usage: weir <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`weir <command> --help\` for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(help());
    return 0;
  }
  if (command === '--version') {
    const pkg = await import('../../package.json', { with: { type: 'json' } });
    console.log(pkg.default.version);
    return 0;
  }
  if (!(command in COMMANDS)) {
    console.error(`weir: unknown command "${command}"\n\n${help()}`);
    return 2;
  }
  const mod: { run(args: string[]): Promise<number> } = await import(`./commands/${command}.ts`);
  return mod.run(args);
}

/** Resolves once everything written to the stream so far has been handed to the OS. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
  // The command is done. Exit rather than wait for the event loop to empty: the Kafka client can
  // leave a heartbeat timer behind when its close raced a rebalance, which kept `weir run` alive.
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}
