// SLA counters: cumulative per table and sink, plus dated (per UTC day) copies that expire
// after a TTL. They live in checkpoint manifests, so they equal what was committed.

export interface TableCounters {
  recordsIn: number;
  recordsOut: number;
  recordsDropped: number;
  recordsErrored: number;
  user: Record<string, number>;
}

export interface SinkCounters {
  recordsIn: number;
  recordsOut: number;
  recordsDropped: number;
  /** Rows the sink could not take (SINK error records): in = out + dropped + errored. */
  recordsErrored?: number;
}

/** What one batch adds (produced by the pipeline). */
export interface CounterDelta {
  tables: Record<string, TableCounters>;
  sinks: Record<string, SinkCounters>;
  /** Raw records routed to no table. */
  unrouted?: number;
}

export interface DayCounters {
  tables: Record<string, TableCounters>;
  sinks: Record<string, SinkCounters>;
  unrouted: number;
}

export interface Counters extends DayCounters {
  /** Raw records read from the source (every one ends up routed, unrouted, or as a source error). */
  recordsRead: number;
  /** Raw records the source itself rejected (e.g. RECORD_TOO_LARGE), before routing. */
  sourceErrors?: number;
  /** Day (yyyy-MM-dd, UTC) → that day's counters. */
  dated: Record<string, DayCounters>;
}

export function emptyCounters(): Counters {
  return { recordsRead: 0, tables: {}, sinks: {}, unrouted: 0, dated: {} };
}

function emptyTable(): TableCounters {
  return { recordsIn: 0, recordsOut: 0, recordsDropped: 0, recordsErrored: 0, user: {} };
}

function addInto(into: DayCounters, delta: CounterDelta): void {
  for (const [name, d] of Object.entries(delta.tables)) {
    into.tables[name] ??= emptyTable();
    const t = into.tables[name];
    t.recordsIn += d.recordsIn;
    t.recordsOut += d.recordsOut;
    t.recordsDropped += d.recordsDropped;
    t.recordsErrored += d.recordsErrored;
    for (const [k, v] of Object.entries(d.user)) t.user[k] = (t.user[k] ?? 0) + v;
  }
  for (const [name, d] of Object.entries(delta.sinks)) {
    into.sinks[name] ??= { recordsIn: 0, recordsOut: 0, recordsDropped: 0 };
    const s = into.sinks[name];
    s.recordsIn += d.recordsIn;
    s.recordsOut += d.recordsOut;
    s.recordsDropped += d.recordsDropped;
    if (d.recordsErrored) s.recordsErrored = (s.recordsErrored ?? 0) + d.recordsErrored;
  }
  into.unrouted += delta.unrouted ?? 0;
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Adds a batch's delta to the cumulative and today's counters. */
export function addCounters(counters: Counters, delta: CounterDelta, read: number, now = Date.now()): void {
  counters.recordsRead += read;
  addInto(counters, delta);
  const day = dayOf(now);
  counters.dated[day] ??= { tables: {}, sinks: {}, unrouted: 0 };
  addInto(counters.dated[day], delta);
}

/** Drops dated counters older than `ttlDays` days before `now`. */
export function expireDated(counters: Counters, ttlDays: number, now = Date.now()): void {
  const oldest = dayOf(now - ttlDays * 86_400_000);
  for (const day of Object.keys(counters.dated)) if (day < oldest) delete counters.dated[day];
}

/** Sums the counters of several workers (each manifest holds one worker's cumulative counters). */
export function sumCounters(all: Counters[]): Counters {
  const total = emptyCounters();
  for (const c of all) {
    total.recordsRead += c.recordsRead;
    total.sourceErrors = (total.sourceErrors ?? 0) + (c.sourceErrors ?? 0);
    addInto(total, c);
    for (const [day, d] of Object.entries(c.dated)) {
      total.dated[day] ??= { tables: {}, sinks: {}, unrouted: 0 };
      addInto(total.dated[day], d);
    }
  }
  return total;
}
