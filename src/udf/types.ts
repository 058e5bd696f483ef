// The seam every UDF runner (JS, Python) implements. Calls are per batch, so crossing into a
// UDF runtime (e.g. Pyodide) is paid once per batch, not per record.

export type UdfKind = 'preprocess' | 'postprocess';

/** The outcome for one input. A postprocess value may be a record, null (drop) or an array of records (split). */
export type UdfOutcome =
  | { ok: true; value: unknown }
  | {
      ok: false;
      code: 'UDF' | 'UDF_TIMEOUT';
      /** e.g. TypeError, KeyError, ZeroDivisionError */
      errorClass: string;
      message: string;
      /** The most relevant traceback / stack line, e.g. `File "udf/currency.py", line 12, in to_usd`. */
      trace?: string;
    };

export interface UdfBatchResult {
  /** One outcome per input, in order. */
  outcomes: UdfOutcome[];
  /** User counters the UDF incremented during this call (`weir.count(name, by)`). */
  counters: Record<string, number>;
}

/** Outcomes and counters of several calls, in order (a batch run again in parts). */
export class BatchResults implements UdfBatchResult {
  readonly outcomes: UdfOutcome[] = [];
  readonly counters: Record<string, number> = {};
  add(result: UdfBatchResult): void {
    this.outcomes.push(...result.outcomes);
    for (const [name, by] of Object.entries(result.counters))
      this.counters[name] = (this.counters[name] ?? 0) + by;
  }
}

export interface UdfRunner {
  readonly kind: UdfKind;
  /** e.g. `udf/currency.py#to_usd` */
  readonly ref: string;
  /**
   * preprocess: inputs are raw lines (string) → outcome values are string | null.
   * postprocess: inputs are parsed records (plain objects; bigint for integers beyond 2^53)
   * → outcome values are object | null | object[].
   */
  call(inputs: unknown[]): Promise<UdfBatchResult>;
  close(): Promise<void>;
}

export interface UdfLoadOptions {
  /** The project folder; refs are relative to it. */
  projectDir: string;
  /** Time limit for the UDF on one record; a record that runs past it becomes a UDF_TIMEOUT error. */
  timeoutMs?: number;
  /** Memory cap of the sandbox the UDF runs in (MB). */
  memoryMb?: number;
}
