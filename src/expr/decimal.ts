// DECIMAL values as unscaled bigints (value × 10^scale), the Row runtime form. Rounding is HALF_UP
// (away from zero on a tie), as Java's BigDecimal does in Flink.

const POW10: bigint[] = [];
export function pow10(n: number): bigint {
  let p = POW10[n];
  if (p === undefined) {
    p = 10n ** BigInt(n);
    if (n < 80) POW10[n] = p;
  }
  return p;
}

/** Divides with HALF_UP rounding. */
export function divRound(a: bigint, b: bigint): bigint {
  if (b < 0n) {
    a = -a;
    b = -b;
  }
  const q = a / b;
  const r = a - q * b;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= b) return a < 0n ? q - 1n : q + 1n;
  return q;
}

export function rescale(unscaled: bigint, from: number, to: number): bigint {
  if (to === from) return unscaled;
  if (to > from) return unscaled * pow10(to - from);
  return divRound(unscaled, pow10(from - to));
}

export function fitsPrecision(unscaled: bigint, precision: number): boolean {
  return (unscaled < 0n ? -unscaled : unscaled) < pow10(precision);
}

const DECIMAL_TEXT = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?\s*$/;

/** Parses decimal text (`-12.50`, `1e3`) to an unscaled value at `scale`; null when it is not a number. */
export function parseDecimal(text: string, scale: number): bigint | null {
  const m = DECIMAL_TEXT.exec(text);
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) return null;
  const digits = (m[2] ?? '') + (m[3] ?? '');
  if (digits.length > 400) return null;
  const exp = Number(m[4] ?? 0) - (m[3]?.length ?? 0);
  let v = BigInt(digits || '0');
  const shift = exp + scale;
  if (shift >= 0) {
    if (shift > 400) return null;
    v *= pow10(shift);
  } else {
    v = -shift > 400 ? 0n : divRound(v, pow10(-shift));
  }
  return m[1] === '-' ? -v : v;
}

export function formatDecimal(unscaled: bigint, scale: number): string {
  if (scale === 0) return unscaled.toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

export function decimalToNumber(unscaled: bigint, scale: number): number {
  return scale === 0 ? Number(unscaled) : Number(formatDecimal(unscaled, scale));
}

/** A finite double as a DECIMAL at `scale` (via its shortest decimal text, so 0.1 stays 0.1). */
export function numberToDecimal(x: number, scale: number): bigint | null {
  if (!Number.isFinite(x)) return null;
  return parseDecimal(String(x), scale);
}
