// Exact decimal arithmetic on text: numbers are never pushed through floats on the way to
// DECIMAL/BIGINT. A decimal is `unscaled × 10^-scale`, both exact.

export interface Decimal {
  unscaled: bigint;
  /** May be negative (e.g. `1e3` → unscaled 1, scale -3). */
  scale: number;
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/;
/** Longer numeric text is refused rather than fed to BigInt (a 10 MB digit string would stall the batch). */
const MAX_TEXT = 1024;

/** Parses `-12.50`, `.5`, `1e-7`, `+3.` exactly; null when the text is not a decimal number. */
export function parseDecimal(text: string): Decimal | null {
  if (text.length > MAX_TEXT) return null;
  const m = DECIMAL_TEXT.exec(text.trim());
  if (!m) return null;
  const [, sign, int = '', frac = '', exp] = m;
  if (int.length === 0 && frac.length === 0) return null;
  const digits = `${int}${frac}`;
  let unscaled = BigInt(digits);
  if (sign === '-') unscaled = -unscaled;
  return { unscaled, scale: frac.length - (exp ? Number(exp) : 0) };
}

/** The shortest decimal text of a finite number (what JS prints), parsed exactly. */
export function decimalOfNumber(n: number): Decimal | null {
  if (!Number.isFinite(n)) return null;
  return parseDecimal(String(n));
}

const TEN = 10n;

export function pow10(n: number): bigint {
  return TEN ** BigInt(n);
}

/** Rescales to `scale` digits after the point, rounding HALF_UP (ties away from zero). */
export function rescale(d: Decimal, scale: number): bigint {
  if (d.scale === scale) return d.unscaled;
  if (d.scale < scale) return d.unscaled * pow10(scale - d.scale);
  const divisor = pow10(d.scale - scale);
  const q = d.unscaled / divisor;
  const r = d.unscaled % divisor;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= divisor) return d.unscaled < 0n ? q - 1n : q + 1n;
  return q;
}

/** The value as an integer, or null when it has a non-zero fractional part. */
export function integerOf(d: Decimal): bigint | null {
  if (d.scale <= 0) return d.unscaled * pow10(-d.scale);
  const divisor = pow10(d.scale);
  return d.unscaled % divisor === 0n ? d.unscaled / divisor : null;
}

/** Number of digits of |v| (0 has one digit). */
export function digitCount(v: bigint): number {
  return (v < 0n ? -v : v).toString().length;
}
