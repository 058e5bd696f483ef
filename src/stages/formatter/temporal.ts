// Date/time arithmetic for the formatter: the default ISO-8601 input forms, proleptic
// Gregorian day numbers, and wall clock ↔ instant conversion in an IANA zone. The calendar math
// and Intl zone reading live in src/expr/time.ts.
import { StageError } from '../../core/errors.ts';
import { daysFromCivil, daysInMonth, intlWallMs, intlZoneFormat, MICROS_PER_DAY } from '../../expr/time.ts';

export interface IsoParts {
  /** Wall-clock microseconds since 1970-01-01 00:00:00 as written. */
  wallMicros: number;
  /** Offset written in the text, in minutes (Z → 0); undefined when the text has no zone. */
  offsetMinutes?: number;
  hasTime: boolean;
}

// yyyy-MM-dd, yyyy-MM-dd HH:mm[:ss[.fraction]], yyyy-MM-ddTHH:mm[:ss[.fraction]][Z|±hh[:mm]]
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Parses the default ISO-8601 forms; null when the text is not one of them or names an impossible date. */
export function parseIso(text: string): IsoParts | null {
  if (text.length > 64) return null;
  const m = ISO.exec(text.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  const hasTime = m[4] !== undefined;
  const hour = hasTime ? Number(m[4]) : 0;
  const minute = hasTime ? Number(m[5]) : 0;
  const second = m[6] ? Number(m[6]) : 0;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const fraction = m[7] ? Number(m[7].slice(0, 6).padEnd(6, '0')) : 0;
  const wallMicros =
    daysFromCivil(year, month, day) * MICROS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1e6 + fraction;
  if (!Number.isSafeInteger(wallMicros) && fraction % 1000 !== 0) {
    throw new StageError(
      'CAST',
      `${JSON.stringify(text)}: before 1684 or after 2255 a timestamp is kept to the millisecond, and this one has microseconds`,
    );
  }
  const zone = m[8];
  if (zone === undefined) return { wallMicros, hasTime };
  if (!hasTime) return null;
  if (zone === 'Z') return { wallMicros, offsetMinutes: 0, hasTime };
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const oh = Number(digits.slice(0, 2));
  const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (oh > 18 || om > 59) return null;
  return { wallMicros, offsetMinutes: sign * (oh * 60 + om), hasTime };
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** Throws a RangeError naming the zone when it is not a known IANA zone. */
export function checkTimeZone(zone: string): void {
  zoneFormatter(zone);
}

function zoneFormatter(zone: string): Intl.DateTimeFormat {
  let f = zoneFormats.get(zone);
  if (!f) {
    f = intlZoneFormat(zone);
    if (!f)
      throw new RangeError(`unknown time zone "${zone}" (use an IANA name such as Asia/Shanghai or UTC)`);
    zoneFormats.set(zone, f);
  }
  return f;
}

/** Offset of `zone` from UTC at the instant `utcMs`, in ms (east positive). */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0;
  const floored = Math.floor(utcMs / 1000) * 1000;
  return intlWallMs(zoneFormatter(zone), floored) - floored;
}

/** The instant (µs since epoch) a wall clock reading in `zone` denotes; in a DST gap the later offset wins. */
export function wallToInstantMicros(wallMicros: number, zone: string): number {
  const wallMs = Math.floor(wallMicros / 1000);
  let offset = zoneOffsetMs(zone, wallMs);
  const second = zoneOffsetMs(zone, wallMs - offset);
  if (second !== offset) offset = second;
  return wallMicros - offset * 1000;
}

/** The wall clock reading (µs) in `zone` at an instant (µs since epoch). */
export function instantToWallMicros(instantMicros: number, zone: string): number {
  return instantMicros + zoneOffsetMs(zone, Math.floor(instantMicros / 1000)) * 1000;
}

/**
 * Epoch numbers: |n| ≥ 1e11 is read as milliseconds, smaller as seconds (1e11 s is the year
 * 5138, 1e11 ms is 1973-03-03). Fractions are kept to the microsecond.
 */
export function epochToMicros(n: number): number {
  return Math.round(Math.abs(n) >= 1e11 ? n * 1000 : n * 1e6);
}
