// Which Parquet writer? Writes the same 200k rows of a realistic 12-column table (one nested
// column) with each candidate, each in its own child process, and prints rows/s and peak RSS.
//   node bench/parquet-writers.ts [rows]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Row } from '../src/core/record.ts';
import type { Column, LogicalType } from '../src/core/types.ts';

const CANDIDATES = ['hyparquet-writer', 'duckdb-appender', 'parquet-wasm'] as const;
type Candidate = (typeof CANDIDATES)[number];

const t = (kind: string, extra: object = {}) => ({ kind, nullable: true, ...extra }) as LogicalType;
const COLUMNS: Column[] = [
  ['dt', t('DATE')],
  ['server', t('INT')],
  ['event_time', t('TIMESTAMP', { precision: 3 })],
  ['role_id', t('BIGINT')],
  ['account', t('STRING')],
  ['level', t('SMALLINT')],
  ['gold', t('DECIMAL', { precision: 18, scale: 2 })],
  ['ip', t('STRING')],
  ['device', t('STRING')],
  ['payload', t('JSON')],
  ['score', t('DOUBLE')],
  [
    'items',
    t('ARRAY', {
      element: t('ROW', {
        fields: [
          { name: 'id', type: t('INT') },
          { name: 'cnt', type: t('INT') },
        ],
      }),
    }),
  ],
].map(([name, type]) => ({ name: name as string, type: type as LogicalType, onError: 'error' as const }));

function makeRow(i: number): Row {
  const n = i % 4;
  return {
    dt: 20_417 + (i % 3),
    server: i % 50,
    event_time: 1_764_000_000_000_000 + i * 1000,
    role_id: 10_000_000_000n + BigInt(i),
    account: `acct_${(i * 7919) % 100_000}`,
    level: i % 120,
    gold: BigInt(i * 37) * 100n + 25n,
    ip: `10.${i % 256}.${(i >> 8) % 256}.${i % 7}`,
    device: ['ios', 'android', 'pc', 'switch'][n]!,
    payload: `{"map":"m${i % 30}","x":${i % 1000},"y":${(i * 3) % 1000}}`,
    score: (i % 10_000) / 7,
    items: Array.from({ length: n }, (_, k) => ({ id: 1000 + k + (i % 13), cnt: k + 1 })),
  };
}

async function writeHyparquet(path: string, rows: number): Promise<void> {
  const { openDataFile } = await import('../src/connectors/warehouse/data-file.ts');
  const w = openDataFile(path, COLUMNS, 'parquet', 'zstd');
  for (let i = 0; i < rows; i++) w.append(makeRow(i));
  w.close();
}

async function writeDuckdb(path: string, rows: number): Promise<void> {
  const duck = await import('@duckdb/node-api');
  const db = await duck.DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(`CREATE TABLE t (dt DATE, server INTEGER, event_time TIMESTAMP, role_id BIGINT, account VARCHAR,
    level SMALLINT, gold DECIMAL(18,2), ip VARCHAR, device VARCHAR, payload VARCHAR, score DOUBLE,
    items STRUCT(id INTEGER, cnt INTEGER)[])`);
  const app = await conn.createAppender('t');
  for (let i = 0; i < rows; i++) {
    const r = makeRow(i);
    app.appendDate(duck.dateValue(r.dt as number));
    app.appendInteger(r.server as number);
    app.appendTimestamp(duck.timestampValue(BigInt(r.event_time as number)));
    app.appendBigInt(r.role_id as bigint);
    app.appendVarchar(r.account as string);
    app.appendSmallInt(r.level as number);
    app.appendDecimal(duck.decimalValue(r.gold as bigint, 18, 2));
    app.appendVarchar(r.ip as string);
    app.appendVarchar(r.device as string);
    app.appendVarchar(r.payload as string);
    app.appendDouble(r.score as number);
    app.appendValue(
      duck.listValue((r.items as { id: number; cnt: number }[]).map((x) => duck.structValue(x))),
      duck.LIST(duck.STRUCT({ id: duck.INTEGER, cnt: duck.INTEGER })),
    );
    app.endRow();
  }
  app.closeSync();
  await conn.run(`COPY t TO '${path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536)`);
}

async function writeParquetWasm(path: string, rows: number): Promise<void> {
  const arrow = await import('apache-arrow');
  const pw = await import('parquet-wasm');
  const { writeFileSync } = await import('node:fs');
  const data = Array.from({ length: rows }, (_, i) => makeRow(i));
  const col = <T>(f: (r: Row) => T) => data.map(f);
  const table = new arrow.Table({
    dt: arrow.vectorFromArray(
      col((r) => new Date((r.dt as number) * 86_400_000)),
      new arrow.DateDay(),
    ),
    server: arrow.vectorFromArray(
      col((r) => r.server as number),
      new arrow.Int32(),
    ),
    event_time: arrow.vectorFromArray(
      col((r) => (r.event_time as number) / 1000),
      new arrow.TimestampMillisecond(),
    ),
    role_id: arrow.vectorFromArray(
      col((r) => r.role_id as bigint),
      new arrow.Int64(),
    ),
    account: arrow.vectorFromArray(
      col((r) => r.account as string),
      new arrow.Utf8(),
    ),
    level: arrow.vectorFromArray(
      col((r) => r.level as number),
      new arrow.Int16(),
    ),
    // Arrow JS cannot build Decimal vectors from values; the unscaled value goes as Int64.
    gold: arrow.vectorFromArray(
      col((r) => r.gold as bigint),
      new arrow.Int64(),
    ),
    ip: arrow.vectorFromArray(
      col((r) => r.ip as string),
      new arrow.Utf8(),
    ),
    device: arrow.vectorFromArray(
      col((r) => r.device as string),
      new arrow.Utf8(),
    ),
    payload: arrow.vectorFromArray(
      col((r) => r.payload as string),
      new arrow.Utf8(),
    ),
    score: arrow.vectorFromArray(
      col((r) => r.score as number),
      new arrow.Float64(),
    ),
    items: arrow.vectorFromArray(
      col((r) => r.items),
      new arrow.List(
        new arrow.Field(
          'element',
          new arrow.Struct([
            new arrow.Field('id', new arrow.Int32(), true),
            new arrow.Field('cnt', new arrow.Int32(), true),
          ]),
          true,
        ),
      ),
    ),
  });
  const wasmTable = pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
  const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.ZSTD).build();
  writeFileSync(path, pw.writeParquet(wasmTable, props));
}

async function child(candidate: Candidate, path: string, rows: number): Promise<void> {
  const start = performance.now();
  if (candidate === 'hyparquet-writer') await writeHyparquet(path, rows);
  else if (candidate === 'duckdb-appender') await writeDuckdb(path, rows);
  else await writeParquetWasm(path, rows);
  const seconds = (performance.now() - start) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ candidate, rows, seconds, peakRssMb, bytes: statSync(path).size }));
}

const [, , first, second, third] = process.argv;
if (first === '--child') {
  await child(second as Candidate, third!, Number(process.argv[5]));
} else {
  const rows = Number(first ?? 200_000);
  const dir = mkdtempSync(join(tmpdir(), 'weir-bench-'));
  console.log(`| writer | rows/s | peak RSS (MB) | file size (MB) |\n|---|---:|---:|---:|`);
  for (const c of CANDIDATES) {
    const path = join(dir, `${c}.parquet`);
    const r = spawnSync(process.execPath, [import.meta.filename, '--child', c, path, String(rows)], {
      encoding: 'utf8',
    });
    const line = r.stdout.trim().split('\n').at(-1);
    if (r.status !== 0 || !line) {
      console.log(
        `| ${c} | failed: ${(r.stderr || r.stdout).trim().split('\n').slice(0, 3).join(' ')} | | |`,
      );
      continue;
    }
    const m = JSON.parse(line) as { seconds: number; peakRssMb: number; bytes: number };
    console.log(
      `| ${c} | ${Math.round(rows / m.seconds).toLocaleString('en')} | ${m.peakRssMb.toFixed(0)} | ${(m.bytes / 1e6).toFixed(1)} |`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}
