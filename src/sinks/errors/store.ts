// The error store: error records as JSON lines under <errors>/dt=<day>/code=<code>/, written and
// committed with the same checkpoint as the data they were diverted from.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unescapePartitionValue } from '../../connectors/warehouse/paths.ts';
import type { ErrorRecord } from '../../core/errors.ts';
import { writeFileAtomic } from '../../core/fs.ts';
import type { Row } from '../../core/record.ts';
import type { Column, LogicalType } from '../../core/types.ts';

const t = (kind: 'STRING' | 'BIGINT' | 'BINARY'): LogicalType => ({ kind, nullable: true });
const col = (name: string, type: LogicalType, comment: string): Column => ({
  name,
  type,
  comment,
  onError: 'error',
});

/** Columns of the error store (dt and code are partition columns). */
export const ERROR_COLUMNS: Column[] = [
  col('time', { kind: 'TIMESTAMP_LTZ', precision: 3, nullable: false }, 'when the error happened'),
  col('stage', t('STRING'), 'filter, preprocess, parser, extend, formatter, splitter or loader'),
  col('table', t('STRING'), 'the table the record was routed to (null before routing)'),
  col('field', t('STRING'), 'the column or field the error is about'),
  col('error_class', t('STRING'), 'class of the underlying error'),
  col('message', t('STRING'), 'what went wrong, in plain words'),
  col('raw', t('STRING'), 'the raw record as text (invalid UTF-8 shown as U+FFFD)'),
  col('raw_base64', t('BINARY'), 'the raw record, byte for byte'),
  col('split', t('STRING'), 'the file or topic/partition'),
  col('offset', t('BIGINT'), 'byte offset (files) or Kafka offset'),
  col('line', t('BIGINT'), 'line number in the file'),
  col('config_version', t('STRING'), 'the config version that produced the error'),
  col('dt', { kind: 'STRING', nullable: false }, 'day of the error (UTC), partition'),
  col('code', { kind: 'STRING', nullable: false }, 'error code, partition'),
];

export const ERROR_PARTITIONS = ['dt', 'code'];

export function errorStoreLocation(warehouse: string, configured?: string): string {
  return configured ?? join(warehouse, '_errors');
}

/** Where a compaction points readers of an error-store partition while it swaps its files. */
const locationsFile = (location: string) => join(location, '_weir_compactions', 'locations.json');

async function readLocations(location: string): Promise<Record<string, string>> {
  try {
    return JSON.parse(await readFile(locationsFile(location), 'utf8')) as Record<string, string>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
}

export interface ErrorPartition {
  values: { dt: string; code: string };
  /** `dt=<day>/code=<code>` under the store's location. */
  rel: string;
  /** Where its committed files are read from now: its folder, or a compaction's detour folder. */
  location: string;
}

/** Every partition of the error store (dt, code) and where readers find its files. */
export async function errorPartitions(location: string): Promise<ErrorPartition[]> {
  const list = async (dir: string) => readdir(dir, { withFileTypes: true }).catch(() => []);
  const moved = await readLocations(location);
  const out: ErrorPartition[] = [];
  for (const day of await list(location)) {
    if (!day.isDirectory() || !day.name.startsWith('dt=')) continue;
    for (const code of await list(join(location, day.name))) {
      if (!code.isDirectory() || !code.name.startsWith('code=')) continue;
      const rel = `${day.name}/${code.name}`;
      out.push({
        values: {
          dt: unescapePartitionValue(day.name.slice(3)) ?? '',
          code: unescapePartitionValue(code.name.slice(5)) ?? '',
        },
        rel,
        location: moved[rel] ?? join(location, rel),
      });
    }
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : 1));
}

/** Points readers of partition `rel` at `to` (its own folder: the entry goes). */
export async function setErrorPartitionLocation(location: string, rel: string, to: string): Promise<void> {
  const moved = await readLocations(location);
  if (to === join(location, rel)) delete moved[rel];
  else moved[rel] = to;
  await mkdir(join(location, '_weir_compactions'), { recursive: true });
  await writeFileAtomic(locationsFile(location), JSON.stringify(moved, null, 2));
}

/** The committed error-store files readers should read now, with their partition. */
export async function errorStoreFiles(
  location: string,
): Promise<{ path: string; partition: ErrorPartition }[]> {
  const out: { path: string; partition: ErrorPartition }[] = [];
  for (const p of await errorPartitions(location)) {
    const names = await readdir(p.location, { withFileTypes: true }).catch(() => []);
    for (const f of names)
      if (f.isFile() && f.name.startsWith('part-'))
        out.push({ path: join(p.location, f.name), partition: p });
  }
  return out;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export function errorRow(e: ErrorRecord): Row {
  return {
    time: e.time * 1000,
    stage: e.stage,
    table: e.table,
    // Text fields are made well-formed (a lone surrogate makes JSON readers refuse the whole file);
    // the raw bytes stay exact in raw_base64.
    field: e.field === undefined ? null : e.field.toWellFormed(),
    error_class: e.errorClass.toWellFormed(),
    message: e.message.toWellFormed(),
    raw: decoder.decode(e.raw),
    raw_base64: e.raw,
    split: e.position.split,
    offset: BigInt(e.position.offset),
    line: e.position.line === undefined ? null : BigInt(e.position.line),
    config_version: e.configVersion,
    dt: new Date(e.time).toISOString().slice(0, 10),
    code: e.code,
  };
}
