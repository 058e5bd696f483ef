// Child process of the `floor` scenario: reads the file with the file source's own line splitting
// and JSON.parses each body (everything after the first `{`); nothing else.
//   node bench/harness/child-floor.ts <file> [batchSize]
import { SplitReader } from '../../src/connectors/files/source.ts';
import { measure } from './child-result.ts';

const [file, batchArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/harness/child-floor.ts <file> [batchSize]');
  process.exit(2);
}
const batchSize = Number(batchArg ?? 2048);

await measure(async () => {
  const reader = new SplitReader(file, { offset: 0, line: 0 }, { maxRecordBytes: 16 * 1024 * 1024 });
  let records = 0;
  let parsed = 0;
  let errored = 0;
  for (;;) {
    const batch = await reader.next(batchSize);
    if (batch.length === 0) break;
    for (const r of batch) {
      records++;
      const body = r.text.indexOf('{');
      try {
        JSON.parse(body < 0 ? r.text : r.text.slice(body));
        parsed++;
      } catch {
        errored++;
      }
    }
  }
  await reader.close();
  return { records, rowsOut: parsed, errored };
});
