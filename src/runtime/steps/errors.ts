// Turning a per-record failure into an ErrorRecord: the pipeline never lets a record's
// failure escape; whatever a stage throws lands here.
import { type ErrorCode, type ErrorRecord, type Stage, StageError } from '../../core/errors.ts';
import type { RawRecord } from '../../core/record.ts';

export interface Failure {
  code: ErrorCode;
  stage: Stage;
  errorClass: string;
  message: string;
  field?: string;
}

/** A thrown value as a Failure; non-StageErrors (bugs, stack overflows on deep input) get `fallback`. */
export function failureOf(e: unknown, stage: Stage, fallback: ErrorCode): Failure {
  if (e instanceof StageError) {
    const f: Failure = { code: e.code, stage, errorClass: e.errorClass, message: e.message };
    if (e.field !== undefined) f.field = e.field;
    return f;
  }
  if (e instanceof Error) return { code: fallback, stage, errorClass: e.name, message: e.message };
  return { code: fallback, stage, errorClass: typeof e, message: String(e) };
}

export function errorRecord(
  f: Failure,
  table: string | null,
  raw: RawRecord,
  configVersion: string,
  time: number,
): ErrorRecord {
  const rec: ErrorRecord = {
    code: f.code,
    stage: f.stage,
    table,
    raw: raw.bytes,
    errorClass: f.errorClass,
    message: f.message,
    position: raw.position,
    configVersion,
    time,
  };
  if (f.field !== undefined) rec.field = f.field;
  return rec;
}
