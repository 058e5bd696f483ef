// Dates and times: calendar arithmetic, time zones, and Java-style (SimpleDateFormat letters)
// format patterns compiled once into a formatter and a parser. Timestamps are microseconds since
// 1970-01-01 00:00:00; dates are days since 1970-01-01 (the Row runtime forms).

export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_DAY = 86_400_000_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeapYear(y) ? 29 : 28) : [31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

/** Splits a timestamp (micros) into calendar fields. */
export function timestampFields(micros: number) {
  // Past 2^53 µs (after 2255-06-05) a double is not exact to the microsecond: such values are held
  // to the millisecond (the formatter refuses finer ones), which the double still holds exactly.
  return Number.isSafeInteger(micros)
    ? fieldsOf(micros, MICROS_PER_SECOND)
    : fieldsOf(Math.round(micros / 1000), 1000);
}

/** Calendar fields of `value` counted in units of which `perSecond` make a second. */
function fieldsOf(value: number, perSecond: number) {
  const perDay = perSecond * 86_400;
  const days = Math.floor(value / perDay);
  const inDay = value - days * perDay;
  const secs = Math.floor(inDay / perSecond);
  const { y, m, d } = civilFromDays(days);
  return {
    y,
    m,
    d,
    days,
    hour: Math.floor(secs / 3600),
    minute: Math.floor(secs / 60) % 60,
    second: secs % 60,
    micro: (inDay - secs * perSecond) * (MICROS_PER_SECOND / perSecond),
  };
}

// ---- time zones ---------------------------------------------------------------------------

export interface TimeZone {
  readonly name: string;
  /** Offset from UTC in ms at an instant (ms since the epoch). */
  offsetAt(instantMs: number): number;
  /** The instant (ms) of a wall-clock time (ms since 1970-01-01 local); gaps resolve forward. */
  fromWall(wallMs: number): number;
}

const fixedZone = (name: string, offsetMs: number): TimeZone => ({
  name,
  offsetAt: () => offsetMs,
  fromWall: (wallMs) => wallMs - offsetMs,
});

export const UTC: TimeZone = fixedZone('UTC', 0);
const zones = new Map<string, TimeZone>();

/** A time zone by IANA name (`Asia/Shanghai`), `UTC`, or fixed offset (`+08:00`). Throws on an unknown zone. */
export function timeZone(name: string): TimeZone {
  const cached = zones.get(name);
  if (cached) return cached;
  let zone: TimeZone;
  const fixed = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(name);
  if (/^(?:UTC|GMT|Z|Etc\/UTC|Etc\/GMT)$/i.test(name)) {
    zone = UTC;
  } else if (fixed) {
    const minutes = Number(fixed[2]) * 60 + Number(fixed[3] ?? 0);
    if (minutes > 18 * 60) throw new RangeError(`time zone offset "${name}" is out of range`);
    zone = fixedZone(name, (fixed[1] === '-' ? -1 : 1) * minutes * 60_000);
  } else {
    zone = intlZone(name);
  }
  zones.set(name, zone);
  return zone;
}

/** Intl's formatter of wall-clock fields in an IANA zone; undefined when Intl does not know the zone. */
export function intlZoneFormat(name: string): Intl.DateTimeFormat | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  } catch {
    return undefined;
  }
}

/** The wall clock (ms since 1970-01-01 local) that `dtf` (from intlZoneFormat) shows at `instantMs` (whole seconds). */
export function intlWallMs(dtf: Intl.DateTimeFormat, instantMs: number): number {
  const p: Record<string, string> = {};
  for (const part of dtf.formatToParts(instantMs)) if (part.type !== 'literal') p[part.type] = part.value;
  const year = p.era === 'BC' ? 1 - Number(p.year) : Number(p.year);
  return (
    daysFromCivil(year, Number(p.month), Number(p.day)) * 86_400_000 +
    ((Number(p.hour) * 60 + Number(p.minute)) * 60 + Number(p.second)) * 1000
  );
}

function intlZone(name: string): TimeZone {
  const dtf = intlZoneFormat(name);
  if (!dtf)
    throw new RangeError(`unknown time zone "${name}" (use an IANA name like Asia/Shanghai, or +08:00)`);
  // Offsets only change on quarter-hour boundaries in practice; cache per 15 minutes.
  const cache = new Map<number, number>();
  const offsetAt = (instantMs: number): number => {
    const bucket = Math.floor(instantMs / 900_000);
    let offset = cache.get(bucket);
    if (offset === undefined) {
      const at = bucket * 900_000;
      offset = intlWallMs(dtf, at) - at;
      if (cache.size > 20_000) cache.clear();
      cache.set(bucket, offset);
    }
    return offset;
  };
  return {
    name,
    offsetAt,
    fromWall(wallMs) {
      const first = offsetAt(wallMs);
      const guess = wallMs - first;
      const second = offsetAt(guess);
      if (second === first) return guess;
      const other = wallMs - second;
      return offsetAt(other) === second ? other : Math.max(guess, other);
    },
  };
}

/** Wall-clock micros of an instant in a zone. */
export function toWall(instantMicros: number, zone: TimeZone): number {
  if (zone === UTC) return instantMicros;
  return instantMicros + zone.offsetAt(Math.floor(instantMicros / 1000)) * 1000;
}

/** Instant micros of a wall-clock time in a zone. */
export function fromWall(wallMicros: number, zone: TimeZone): number {
  if (zone === UTC) return wallMicros;
  const ms = Math.floor(wallMicros / 1000);
  return wallMicros + (zone.fromWall(ms) - ms) * 1000;
}

// ---- fixed text forms -------------------------------------------------------------------------

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const padYear = (y: number) =>
  y >= 0 && y <= 9999 ? String(y).padStart(4, '0') : y < 0 ? `-${String(-y).padStart(4, '0')}` : `+${y}`;

export function formatDate(days: number): string {
  const { y, m, d } = civilFromDays(days);
  return `${padYear(y)}-${pad2(m)}-${pad2(d)}`;
}

/** A TIMESTAMP's micros as the exact int64 a file stores (see timestampFields for the far future). */
export function exactMicros(micros: number): bigint {
  return Number.isSafeInteger(micros) ? BigInt(micros) : BigInt(Math.round(micros / 1000)) * 1000n;
}

/** `yyyy-MM-dd HH:mm:ss`, plus `.SSS` or `.SSSSSS` when there is a fraction. */
export function formatTimestamp(micros: number): string {
  const f = timestampFields(micros);
  const base = `${padYear(f.y)}-${pad2(f.m)}-${pad2(f.d)} ${pad2(f.hour)}:${pad2(f.minute)}:${pad2(f.second)}`;
  if (f.micro === 0) return base;
  if (f.micro % 1000 === 0) return `${base}.${String(f.micro / 1000).padStart(3, '0')}`;
  return `${base}.${String(f.micro).padStart(6, '0')}`;
}

const DATE_TEXT = /^\s*(-?\d{4,})-(\d{1,2})-(\d{1,2})\s*$/;
const TIMESTAMP_TEXT =
  /^\s*(-?\d{4,})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/;

export function parseDate(text: string): number | null {
  const m = DATE_TEXT.exec(text);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  return daysFromCivil(y, mo, d);
}

/**
 * `yyyy-MM-dd[( |T)HH:mm[:ss[.fraction]]][Z|±HH:mm]` → micros (wall clock; an explicit offset is
 * converted to UTC). Null when the text is not such a timestamp.
 */
export function parseTimestamp(text: string): number | null {
  const m = TIMESTAMP_TEXT.exec(text);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const s = Number(m[6] ?? 0);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  const micro = m[7] ? Number(m[7].slice(0, 6).padEnd(6, '0')) : 0;
  let result = (daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * MICROS_PER_SECOND + micro;
  if (m[8] && m[8] !== 'Z') result -= parseOffset(m[8])! * 1000;
  return result;
}

/** `±HH[:]mm` or `±HH` → offset in ms; null if malformed. */
function parseOffset(text: string): number | null {
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(text);
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return (m[1] === '-' ? -1 : 1) * minutes * 60_000;
}

// ---- Java-style patterns ----------------------------------------------------------------------

export interface TimeFormat {
  /** Renders an instant (micros since the epoch) as wall time in the format's zone. */
  format(micros: number): string;
  /** Reads text in this format; the instant in micros (wall time taken in the zone), or null when it does not fit. */
  parse(text: string): number | null;
}

type Item = { literal: string } | { letter: string; count: number };

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const LETTERS = 'yMdHhkKmsSaEDXZu';

function tokenizePattern(pattern: string): Item[] {
  const items: Item[] = [];
  let i = 0;
  const literal = (s: string) => {
    const last = items[items.length - 1];
    if (last && 'literal' in last) last.literal += s;
    else items.push({ literal: s });
  };
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        literal("'");
        i += 2;
        continue;
      }
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= pattern.length) throw new Error(`unterminated quote in time format "${pattern}"`);
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j];
        j++;
      }
      literal(text);
      i = j + 1;
    } else if (/[A-Za-z]/.test(c)) {
      if (!LETTERS.includes(c)) {
        throw new Error(
          `unsupported letter "${c}" in time format "${pattern}" (quote literal text: 'T'; letters: yyyy MM dd HH mm ss SSS a E D X Z)`,
        );
      }
      let j = i;
      while (pattern[j] === c) j++;
      items.push({ letter: c, count: j - i });
      i = j;
    } else {
      literal(c);
      i++;
    }
  }
  return items;
}

const zeroPad = (n: number, width: number) => {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (s.length >= width ? s : '0'.repeat(width - s.length) + s);
};

function formatOffset(offsetMs: number, letter: string, count: number): string {
  if (offsetMs === 0 && letter === 'X') return 'Z';
  const minutes = Math.abs(offsetMs) / 60_000;
  const sign = offsetMs < 0 ? '-' : '+';
  const hh = pad2(Math.floor(minutes / 60));
  const mm = pad2(minutes % 60);
  if (letter === 'X' && count === 1) return sign + hh + (minutes % 60 ? mm : '');
  return letter === 'Z' || count === 2 ? sign + hh + mm : `${sign}${hh}:${mm}`;
}

/**
 * Compiles a Java SimpleDateFormat-style pattern (`yyyy-MM-dd HH:mm:ss.SSS`, `dd/MMM/yyyy:HH:mm:ss Z`,
 * `yyyy-MM-dd'T'HH:mm:ss`) once. `timezone` (IANA name or ±HH:mm; default UTC) is the zone wall
 * times are formatted in and parsed from. Throws an Error with a plain message on a bad pattern or zone.
 */
export function compileTimeFormat(
  pattern: string,
  timezone?: string,
  opts: { now?: () => number } = {},
): TimeFormat {
  const now = opts.now ?? Date.now;
  const zone = timezone === undefined ? UTC : timeZone(timezone);
  const items = tokenizePattern(pattern);
  if (items.length === 0) throw new Error('the time format is empty');

  const formatters = items.map((item): ((f: ReturnType<typeof timestampFields>, off: number) => string) => {
    if ('literal' in item) {
      const text = item.literal;
      return () => text;
    }
    const n = item.count;
    switch (item.letter) {
      case 'y':
      case 'u':
        return n === 2 ? (f) => pad2(((f.y % 100) + 100) % 100) : (f) => zeroPad(f.y, n);
      case 'M':
        if (n >= 4) return (f) => MONTHS[f.m - 1]!;
        if (n === 3) return (f) => MONTHS[f.m - 1]!.slice(0, 3);
        return (f) => zeroPad(f.m, n);
      case 'd':
        return (f) => zeroPad(f.d, n);
      case 'D':
        return (f) => zeroPad(f.days - daysFromCivil(f.y, 1, 1) + 1, n);
      case 'H':
        return (f) => zeroPad(f.hour, n);
      case 'k':
        return (f) => zeroPad(f.hour === 0 ? 24 : f.hour, n);
      case 'h':
        return (f) => zeroPad(f.hour % 12 === 0 ? 12 : f.hour % 12, n);
      case 'K':
        return (f) => zeroPad(f.hour % 12, n);
      case 'm':
        return (f) => zeroPad(f.minute, n);
      case 's':
        return (f) => zeroPad(f.second, n);
      case 'S':
        return (f) => String(f.micro).padStart(6, '0').padEnd(n, '0').slice(0, n);
      case 'a':
        return (f) => (f.hour < 12 ? 'AM' : 'PM');
      case 'E': {
        return (f) => {
          const name = WEEKDAYS[(((f.days + 3) % 7) + 7) % 7]!;
          return n >= 4 ? name : name.slice(0, 3);
        };
      }
      default: // X, Z
        return (_f, off) => formatOffset(off, item.letter, n);
    }
  });

  const parser = compileParser(items, pattern);
  /**
   * The year of a date written without one: the latest of next year, this year and last year
   * (in the format's zone) that puts it at most a day ahead of the clock. `Dec 31` read on
   * January 1st is last year's; `Jan 1 00:00:05` read a few seconds before the new year is next year's.
   */
  const yearOf = (wallIn: (year: number) => number | null, offsetMs: number | null): number | null => {
    const nowMicros = now() * 1000;
    const nowWall =
      offsetMs !== null ? nowMicros + offsetMs * 1000 : zone === UTC ? nowMicros : toWall(nowMicros, zone);
    const thisYear = timestampFields(nowWall).y;
    for (const year of [thisYear + 1, thisYear, thisYear - 1]) {
      const wall = wallIn(year);
      if (wall !== null && wall <= nowWall + YEARLESS_AHEAD_MICROS) return wall;
    }
    return null;
  };

  return {
    format(micros) {
      const offMs = zone === UTC ? 0 : zone.offsetAt(Math.floor(micros / 1000));
      const f = timestampFields(micros + offMs * 1000);
      let out = '';
      for (const fmt of formatters) out += fmt(f, offMs);
      return out;
    },
    parse(text) {
      const r = parser(text);
      if (r === null) return null;
      const wall = r.wallIn ? yearOf(r.wallIn, r.offsetMs) : r.wall;
      if (wall === null) return null;
      if (r.offsetMs !== null) return wall - r.offsetMs * 1000;
      return fromWall(wall, zone);
    },
  };
}

interface Parsed {
  wall: number;
  offsetMs: number | null;
  /** A date without a year (`MMM d HH:mm:ss`): the wall time in a given year (null: no such day). */
  wallIn?: (year: number) => number | null;
}

/** How far ahead of the clock a date without a year may be and still be this year's (clock skew). */
const YEARLESS_AHEAD_MICROS = 86_400 * MICROS_PER_SECOND;

function compileParser(items: Item[], pattern: string): (text: string) => Parsed | null {
  const isNumericItem = (item: Item | undefined) =>
    item !== undefined &&
    'letter' in item &&
    !'aEXZ'.includes(item.letter) &&
    !(item.letter === 'M' && item.count >= 3);
  const steps = items.map((item, i) => ({
    item,
    // Adjacent numeric fields (yyyyMMdd) are read at their exact widths.
    fixed: isNumericItem(items[i + 1]) ? ('letter' in item ? item.count : 0) : 0,
  }));
  if (!items.some((i) => 'letter' in i))
    throw new Error(`the time format "${pattern}" has no date or time letters`);
  const has = (letters: string) => items.some((i) => 'letter' in i && letters.includes(i.letter));
  // A date without a year (syslog, logcat): its year is found from the clock (see compileTimeFormat).
  const yearless = !has('yu') && has('MdD');

  return (input) => {
    const text = input.trim();
    let pos = 0;
    let y = 1970;
    let mo = 1;
    let d = 1;
    let doy = 0;
    let h = 0;
    let mi = 0;
    let s = 0;
    let micro = 0;
    let pm = -1;
    let offsetMs: number | null = null;
    for (const { item, fixed } of steps) {
      if ('literal' in item) {
        // Whitespace in the pattern matches any run of whitespace (syslog pads days: `Jul  1`).
        if (item.literal.trim() === '' && /\s/.test(text[pos] ?? '')) {
          while (/\s/.test(text[pos] ?? '')) pos++;
          continue;
        }
        if (!text.startsWith(item.literal, pos)) return null;
        pos += item.literal.length;
        continue;
      }
      const letter = item.letter;
      if (letter === 'a') {
        const ap = text.slice(pos, pos + 2).toUpperCase();
        if (ap !== 'AM' && ap !== 'PM') return null;
        pm = ap === 'PM' ? 1 : 0;
        pos += 2;
        continue;
      }
      if (letter === 'E' || (letter === 'M' && item.count >= 3)) {
        const names = letter === 'E' ? WEEKDAYS : MONTHS;
        const rest = text.slice(pos).toLowerCase();
        let found = -1;
        let len = 0;
        for (let k = 0; k < names.length; k++) {
          const full = names[k]!.toLowerCase();
          if (rest.startsWith(full)) {
            found = k;
            len = full.length;
            break;
          }
          if (rest.startsWith(full.slice(0, 3))) {
            found = k;
            len = 3;
          }
        }
        if (found < 0) return null;
        if (letter === 'M') mo = found + 1;
        pos += len;
        continue;
      }
      if (letter === 'X' || letter === 'Z') {
        if (text[pos] === 'Z') {
          offsetMs = 0;
          pos++;
          continue;
        }
        const m = /^[+-]\d{2}(?::?\d{2})?/.exec(text.slice(pos, pos + 6));
        if (!m) return null;
        offsetMs = parseOffset(m[0]);
        if (offsetMs === null) return null;
        pos += m[0].length;
        continue;
      }
      let negative = false;
      if (letter === 'y' && text[pos] === '-' && !fixed) {
        negative = true;
        pos++;
      }
      const start = pos;
      const max = fixed || (letter === 'S' ? item.count : 10);
      while (pos - start < max && text.charCodeAt(pos) >= 48 && text.charCodeAt(pos) <= 57) pos++;
      if (pos === start || (fixed && pos - start !== fixed)) return null;
      // A fraction has exactly the pattern's width: `.98` is not `SSS` (it is not .980, nor 98 ms).
      if (letter === 'S' && pos - start !== item.count) return null;
      const digits = text.slice(start, pos);
      const v = Number(digits);
      switch (letter) {
        case 'y':
        case 'u':
          y = item.count === 2 && digits.length === 2 ? 2000 + v : negative ? -v : v;
          break;
        case 'M':
          mo = v;
          break;
        case 'd':
          d = v;
          break;
        case 'D':
          doy = v;
          break;
        case 'H':
        case 'K':
          h = v;
          break;
        case 'k':
          h = v === 24 ? 0 : v;
          break;
        case 'h':
          h = v === 12 ? 0 : v;
          break;
        case 'm':
          mi = v;
          break;
        case 's':
          s = v;
          break;
        case 'S':
          micro = Number(digits.slice(0, 6).padEnd(6, '0'));
          break;
      }
    }
    if (pos !== text.length) return null;
    if (pm === 1) h += 12;
    if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return null;
    const wallIn = (year: number): number | null => {
      let days: number;
      if (doy) {
        if (doy > (isLeapYear(year) ? 366 : 365)) return null;
        days = daysFromCivil(year, 1, 1) + doy - 1;
      } else {
        if (d < 1 || d > daysInMonth(year, mo)) return null;
        days = daysFromCivil(year, mo, d);
      }
      return (days * 86400 + h * 3600 + mi * 60 + s) * MICROS_PER_SECOND + micro;
    };
    if (yearless) return { wall: 0, offsetMs, wallIn };
    const wall = wallIn(y);
    return wall === null ? null : { wall, offsetMs };
  };
}
