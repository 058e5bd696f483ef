// The console sink: each row as one JSON line (the Flink json format the Kafka sinks write), on
// standard output or appended to a file, as soon as its batch is loaded. At least once: rows of a
// batch that a crash keeps from its checkpoint are written again by the next run.
import { createWriteStream, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { encodeJsonRow } from '../../connectors/kafka/json.ts';
import { StageError } from '../../core/errors.ts';
import { sinkColumns } from '../columns.ts';
import type { RowError, SinkContext, SinkWriter } from '../contract.ts';

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((done, fail) => {
    stream.write(text, (e) => (e ? fail(e) : done()));
  });
}

export function createConsoleWriters(sinks: SinkContext['project']['sinks'], ctx: SinkContext): SinkWriter[] {
  return sinks.map((sink): SinkWriter => {
    const cfg = sink.config.console!;
    const columns = sinkColumns(ctx.project, sink.name);
    let file: WriteStream | undefined;
    const out = (): NodeJS.WritableStream => {
      if (cfg.path === undefined) return process.stdout;
      file ??= createWriteStream(resolve(ctx.project.dir, cfg.path), { flags: 'a' });
      return file;
    };
    return {
      sinks: [sink.name],
      async write(_sink, rows) {
        const refused: RowError[] = [];
        let text = '';
        rows.forEach((row, index) => {
          try {
            text += `${encodeJsonRow(row, columns)}\n`;
          } catch (e) {
            const message = `sink ${sink.name}: ${(e as Error).message}`;
            refused.push({ index, error: e instanceof StageError ? e : new StageError('SINK', message) });
          }
        });
        if (text !== '') await write(out(), text);
        return refused;
      },
      prepareCommit: async () => ({ files: [], partitions: [] }),
      commit: async () => {},
      abort: async () => {},
      close: () => new Promise<void>((done) => (file ? file.end(done) : done())),
    };
  });
}
