// Date and time functions (Flink SQL names). Patterns are Java-style (see ../time.ts); zone-dependent
// functions use the expression's time zone (UTC unless given).
import { fail } from '../cast.ts';
import {
  civilFromDays,
  compileTimeFormat,
  daysFromCivil,
  daysInMonth,
  fromWall,
  MICROS_PER_DAY,
  MICROS_PER_SECOND,
  parseDate,
  parseTimestamp,
  type TimeFormat,
  timestampFields,
  timeZone,
  toWall,
} from '../time.ts';
import { t } from '../types.ts';
import { argError, type FnDef, patternCache, simple } from './registry.ts';

const DEFAULT_TIMESTAMP_FORMAT = 'yyyy-MM-dd HH:mm:ss';

function formatChecker(index: number, zoneArg?: number) {
  return (constants: unknown[]) => {
    const p = constants[index];
    if (typeof p === 'string') {
      try {
        compileTimeFormat(p);
      } catch (e) {
        throw argError((e as Error).message, index);
      }
    }
    const z = zoneArg === undefined ? undefined : constants[zoneArg];
    if (typeof z === 'string') {
      try {
        timeZone(z);
      } catch (e) {
        throw argError((e as Error).message, zoneArg!);
      }
    }
  };
}

/** Formats of a call site, in the expression's zone (`zoned`) or as plain wall time (UTC). */
function formats(ctx: { zone: string | undefined }) {
  return patternCache((p: string): TimeFormat => {
    try {
      return compileTimeFormat(p, ctx.zone);
    } catch (e) {
      return fail((e as Error).message);
    }
  });
}

const extract = (name: string, f: (micros: number) => number) =>
  simple({
    name,
    usage: `${name}(ts)`,
    params: ['TIMESTAMP'],
    result: t.BIGINT,
    impl: (v: number) => BigInt(f(v)),
  });

const UNITS = [
  'YEAR',
  'QUARTER',
  'MONTH',
  'WEEK',
  'DAY',
  'HOUR',
  'MINUTE',
  'SECOND',
  'MILLISECOND',
  'MICROSECOND',
];
const UNIT_MICROS: Record<string, number> = {
  WEEK: 7 * MICROS_PER_DAY,
  DAY: MICROS_PER_DAY,
  HOUR: 3600 * MICROS_PER_SECOND,
  MINUTE: 60 * MICROS_PER_SECOND,
  SECOND: MICROS_PER_SECOND,
  MILLISECOND: 1000,
  MICROSECOND: 1,
};
const UNIT_MONTHS: Record<string, number> = { YEAR: 12, QUARTER: 3, MONTH: 1 };

function normalizeUnit(u: string): string | null {
  const s = u
    .toUpperCase()
    .replace(/^SQL_TSI_/, '')
    .replace(/S$/, '');
  return UNITS.includes(s) ? s : s === 'FRAC_SECOND' ? 'MICROSECOND' : null;
}

function unitChecker(constants: unknown[]) {
  const u = constants[0];
  if (typeof u === 'string' && normalizeUnit(u) === null) {
    throw argError(`unknown time unit "${u}" (use one of ${UNITS.join(', ')})`, 0);
  }
}

function unitOf(u: string): string {
  return normalizeUnit(u) ?? fail(`unknown time unit "${u}"`);
}

function addMonths(micros: number, months: number): number {
  const f = timestampFields(micros);
  const total = f.y * 12 + (f.m - 1) + months;
  const y = Math.floor(total / 12);
  const m = total - y * 12 + 1;
  const d = Math.min(f.d, daysInMonth(y, m));
  return daysFromCivil(y, m, d) * MICROS_PER_DAY + (micros - f.days * MICROS_PER_DAY);
}

function monthsBetween(a: number, b: number): number {
  const fa = timestampFields(a);
  const fb = timestampFields(b);
  let months = (fb.y - fa.y) * 12 + (fb.m - fa.m);
  const restA = a - daysFromCivil(fa.y, fa.m, 1) * MICROS_PER_DAY;
  const restB = b - daysFromCivil(fb.y, fb.m, 1) * MICROS_PER_DAY;
  if (months > 0 && restB < restA) months--;
  if (months < 0 && restB > restA) months++;
  return months;
}

/** Functions that depend on the expression's time zone are built per compile context. */
export function timeFunctions(zoneName: string | undefined): FnDef[] {
  const zone = timeZone(zoneName ?? 'UTC');
  const ctx = { zone: zoneName };
  const nowMicros = () => Date.now() * 1000;
  return [
    simple({
      name: 'from_unixtime',
      usage: "from_unixtime(seconds[, 'yyyy-MM-dd HH:mm:ss'])",
      params: ['DOUBLE', 'STRING'],
      optional: 1,
      result: t.STRING,
      check: formatChecker(1),
      impl: () => null,
      make: () => {
        const get = formats(ctx);
        return (sec: number, fmt?: string) =>
          get(fmt ?? DEFAULT_TIMESTAMP_FORMAT).format(Math.floor(sec) * MICROS_PER_SECOND);
      },
    }),
    simple({
      name: 'unix_timestamp',
      usage: "unix_timestamp([s[, 'yyyy-MM-dd HH:mm:ss']])",
      params: ['STRING', 'STRING'],
      optional: 2,
      result: t.BIGINT,
      pure: false,
      check: formatChecker(1),
      impl: () => null,
      make: () => {
        const get = formats(ctx);
        return (s?: string, fmt?: string) => {
          if (s === undefined) return BigInt(Math.floor(Date.now() / 1000));
          const micros = get(fmt ?? DEFAULT_TIMESTAMP_FORMAT).parse(s);
          return micros === null ? null : BigInt(Math.floor(micros / MICROS_PER_SECOND));
        };
      },
    }),
    simple({
      name: 'to_timestamp',
      usage: "to_timestamp(s[, 'yyyy-MM-dd HH:mm:ss'])",
      params: ['STRING', 'STRING'],
      optional: 1,
      result: t.TIMESTAMP3,
      check: formatChecker(1),
      impl: () => null,
      make: () => {
        const get = formats({ zone: undefined });
        return (s: string, fmt?: string) => (fmt === undefined ? parseTimestamp(s) : get(fmt).parse(s));
      },
    }),
    simple({
      name: 'to_timestamp_ltz',
      usage: 'to_timestamp_ltz(epoch[, 0 | 3])',
      params: ['DOUBLE', 'INT'],
      optional: 1,
      result: t.TIMESTAMP_LTZ3,
      impl: (n: number, precision?: number) => {
        const p = precision ?? 3;
        if (p !== 0 && p !== 3)
          return fail(`to_timestamp_ltz precision must be 0 (seconds) or 3 (milliseconds), got ${p}`);
        return Math.floor(p === 0 ? n * 1000 : n) * 1000;
      },
    }),
    simple({
      name: 'to_date',
      usage: "to_date(s[, 'yyyy-MM-dd'])",
      params: ['STRING', 'STRING'],
      optional: 1,
      result: t.DATE,
      check: formatChecker(1),
      impl: () => null,
      make: () => {
        const get = formats({ zone: undefined });
        return (s: string, fmt?: string) => {
          if (fmt !== undefined) {
            const micros = get(fmt).parse(s);
            return micros === null ? null : Math.floor(micros / MICROS_PER_DAY);
          }
          const d = parseDate(s);
          if (d !== null) return d;
          const ts = parseTimestamp(s);
          return ts === null ? null : Math.floor(ts / MICROS_PER_DAY);
        };
      },
    }),
    simple({
      name: 'date_format',
      usage: 'date_format(ts, format)',
      params: ['TIMESTAMP', 'STRING'],
      result: t.STRING,
      check: formatChecker(1),
      impl: () => null,
      make: () => {
        // The value is already wall time (TIMESTAMP_LTZ converts in the zone), so format it as UTC.
        const get = formats({ zone: undefined });
        return (ts: number, fmt: string) => get(fmt).format(ts);
      },
    }),
    simple({
      name: 'convert_tz',
      usage: 'convert_tz(s, from_zone, to_zone)',
      params: ['STRING', 'STRING', 'STRING'],
      result: t.STRING,
      check: formatChecker(99, 1),
      impl: (s: string, from: string, to: string) => {
        const wall = parseTimestamp(s);
        if (wall === null) return null;
        let fz: ReturnType<typeof timeZone>;
        let tz: ReturnType<typeof timeZone>;
        try {
          fz = timeZone(from);
          tz = timeZone(to);
        } catch (e) {
          return fail((e as Error).message);
        }
        return compileFormatCached(toWall(fromWall(wall, fz), tz));
      },
    }),
    ...['now', 'current_timestamp'].map((name) =>
      simple({
        name,
        usage: `${name}()`,
        params: [],
        result: t.TIMESTAMP_LTZ3,
        pure: false,
        impl: nowMicros,
      }),
    ),
    simple({
      name: 'localtimestamp',
      usage: 'localtimestamp',
      params: [],
      result: t.TIMESTAMP3,
      pure: false,
      impl: () => toWall(nowMicros(), zone),
    }),
    simple({
      name: 'current_date',
      usage: 'current_date',
      params: [],
      result: t.DATE,
      pure: false,
      impl: () => Math.floor(toWall(nowMicros(), zone) / MICROS_PER_DAY),
    }),
    extract('year', (v) => timestampFields(v).y),
    extract('quarter', (v) => Math.ceil(timestampFields(v).m / 3)),
    extract('month', (v) => timestampFields(v).m),
    extract('week', (v) => isoWeek(Math.floor(v / MICROS_PER_DAY))),
    extract('dayofmonth', (v) => timestampFields(v).d),
    extract('dayofyear', (v) => {
      const f = timestampFields(v);
      return f.days - daysFromCivil(f.y, 1, 1) + 1;
    }),
    extract('dayofweek', (v) => ((((Math.floor(v / MICROS_PER_DAY) + 4) % 7) + 7) % 7) + 1),
    extract('hour', (v) => timestampFields(v).hour),
    extract('minute', (v) => timestampFields(v).minute),
    extract('second', (v) => timestampFields(v).second),
    simple({
      name: 'timestampadd',
      usage: 'timestampadd(unit, n, ts)',
      params: ['STRING', 'INT', 'TIMESTAMP'],
      result: t.TIMESTAMP6,
      unitArgument: true,
      check: unitChecker,
      impl: (unit: string, n: number, ts: number) => {
        const u = unitOf(unit);
        const months = UNIT_MONTHS[u];
        return months === undefined ? ts + n * UNIT_MICROS[u]! : addMonths(ts, n * months);
      },
    }),
    simple({
      name: 'timestampdiff',
      usage: 'timestampdiff(unit, ts1, ts2)',
      params: ['STRING', 'TIMESTAMP', 'TIMESTAMP'],
      result: t.INT,
      unitArgument: true,
      check: unitChecker,
      impl: (unit: string, a: number, b: number) => {
        const u = unitOf(unit);
        const months = UNIT_MONTHS[u];
        return months === undefined
          ? Math.trunc((b - a) / UNIT_MICROS[u]!)
          : Math.trunc(monthsBetween(a, b) / months);
      },
    }),
    simple({
      name: 'date_add',
      usage: 'date_add(date, days)',
      params: ['DATE', 'INT'],
      result: t.DATE,
      impl: (d: number, n: number) => d + n,
    }),
    simple({
      name: 'date_sub',
      usage: 'date_sub(date, days)',
      params: ['DATE', 'INT'],
      result: t.DATE,
      impl: (d: number, n: number) => d - n,
    }),
    simple({
      name: 'datediff',
      usage: 'datediff(end, start)',
      params: ['DATE', 'DATE'],
      result: t.INT,
      impl: (a: number, b: number) => a - b,
    }),
  ];
}

const plainFormat = compileTimeFormat(DEFAULT_TIMESTAMP_FORMAT);
function compileFormatCached(wallMicros: number): string {
  return plainFormat.format(wallMicros);
}

function isoWeek(days: number): number {
  const weekday = (((days + 3) % 7) + 7) % 7; // 0 = Monday
  const thursday = days - weekday + 3;
  const { y } = civilFromDays(thursday);
  return Math.floor((thursday - daysFromCivil(y, 1, 1)) / 7) + 1;
}
