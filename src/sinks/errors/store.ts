// The error store: error records as JSON lines under <errors>/dt=<day>/code=<code>/, written and
// committed with the same checkpoint as the data they were diverted from.
import { join } from 'node:path';
import type { ErrorRecord } from '../../core/errors.ts';
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
