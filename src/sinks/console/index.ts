// Rows as JSON lines on standard output or in a file, for debugging and pipes.
import type { SinkKind } from '../contract.ts';

export const consoleSinks: SinkKind = {
  key: 'console',
  check: () => {}, // nothing beyond the spec: the file is created when the first row is written
  async create(sinks, ctx) {
    return (await import('./writer.ts')).createConsoleWriters(sinks, ctx);
  },
};
