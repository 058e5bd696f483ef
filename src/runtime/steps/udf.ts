// UDF steps: one call per batch per UDF. A preprocess UDF maps text → text | null; a postprocess
// UDF maps a record → record | null (drop) | records (split one into n).
import type { ParsedRecord } from '../../core/record.ts';
import type { UdfOutcome, UdfRunner } from '../../udf/types.ts';
import type { Failure } from './errors.ts';
import type { Item, Step, TableBatch } from './types.ts';

export { loadUdf } from '../../udf/index.ts';

function isRecord(v: unknown): v is ParsedRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === undefined) return 'nothing (undefined)';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Calls the UDF on the whole batch; a crash of the call itself fails every record of it. */
async function callBatch(runner: UdfRunner, inputs: unknown[], batch: TableBatch): Promise<UdfOutcome[]> {
  try {
    const result = await runner.call(inputs);
    const user = batch.counters.user;
    for (const [name, by] of Object.entries(result.counters)) user[name] = (user[name] ?? 0) + by;
    return result.outcomes;
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return inputs.map(() => ({ ok: false, code: 'UDF', errorClass: err.name, message: err.message }));
  }
}

function udfFailure(runner: UdfRunner, o: Extract<UdfOutcome, { ok: false }>, preprocess: boolean): Failure {
  const code = o.code === 'UDF_TIMEOUT' ? 'UDF_TIMEOUT' : preprocess ? 'PREPROCESS' : 'UDF';
  const trace = o.trace ? ` (${o.trace})` : '';
  return {
    code,
    stage: preprocess ? 'preprocess' : 'extend',
    errorClass: o.errorClass,
    // Runners name the UDF themselves in some messages ("udf/x.js#f returned a number; ...").
    message: `${o.message.startsWith(runner.ref) ? '' : `${runner.ref}: `}${o.message}${trace}`,
  };
}

function wrongReturn(runner: UdfRunner, what: string, got: unknown, preprocess: boolean): Failure {
  return {
    code: preprocess ? 'PREPROCESS' : 'UDF',
    stage: preprocess ? 'preprocess' : 'extend',
    errorClass: 'TypeError',
    message: `${runner.ref} returned ${kindOf(got)}; expected ${what}`,
  };
}

export function preprocessStep(runner: UdfRunner): Step {
  return async (items, batch) => {
    if (items.length === 0) return items;
    const outcomes = await callBatch(
      runner,
      items.map((i) => i.value),
      batch,
    );
    const out: Item[] = [];
    items.forEach((item, i) => {
      const o = outcomes[i];
      if (!o) batch.fail(item, wrongReturn(runner, 'text or null', undefined, true));
      else if (!o.ok) batch.fail(item, udfFailure(runner, o, true));
      else if (o.value === null) batch.counters.recordsDropped++;
      else if (typeof o.value === 'string') out.push({ raw: item.raw, value: o.value });
      else batch.fail(item, wrongReturn(runner, 'text or null', o.value, true));
    });
    return out;
  };
}

export function postprocessStep(runner: UdfRunner): Step {
  const expected = 'a record, null or a list of records';
  return async (items, batch) => {
    if (items.length === 0) return items;
    const outcomes = await callBatch(
      runner,
      items.map((i) => i.value),
      batch,
    );
    const out: Item[] = [];
    items.forEach((item, i) => {
      const o = outcomes[i];
      if (!o) batch.fail(item, wrongReturn(runner, expected, undefined, false));
      else if (!o.ok) batch.fail(item, udfFailure(runner, o, false));
      else if (o.value === null) batch.counters.recordsDropped++;
      else if (isRecord(o.value)) out.push({ raw: item.raw, value: o.value });
      else if (Array.isArray(o.value)) {
        const bad = o.value.find((r) => !isRecord(r));
        if (bad !== undefined) {
          batch.fail(
            item,
            wrongReturn(runner, `${expected} (one element is ${kindOf(bad)})`, o.value, false),
          );
        } else if (o.value.length === 0) batch.counters.recordsDropped++;
        else {
          // One record became n: the n-1 new ones enter the table too (in = out + dropped + errored).
          batch.counters.recordsIn += o.value.length - 1;
          for (const r of o.value) out.push({ raw: item.raw, value: r });
        }
      } else batch.fail(item, wrongReturn(runner, expected, o.value, false));
    });
    return out;
  };
}
