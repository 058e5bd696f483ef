// JSON text ↔ JS values with exact big integers: bigint is written as a bare integer literal and
// an integer literal beyond 2^53 is read back as bigint (Python ints stay exact both ways).

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? rawJSON(value.toString()) : value;
}

/** JSON.stringify that writes bigint as an integer literal. Throws like JSON.stringify on cycles. */
export function stringifyWithBigInt(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof TypeError) || !/BigInt/i.test(e.message)) throw e;
    return JSON.stringify(value, bigintReplacer);
  }
}

const INTEGER = /^-?\d+$/;

const reviveBigInt: Reviver = (_key, value, context) =>
  typeof value === 'number' &&
  !Number.isSafeInteger(value) &&
  context?.source !== undefined &&
  INTEGER.test(context.source)
    ? BigInt(context.source)
    : value;

/** True when a number in `value` is an integer beyond 2^53 (its literal may have lost digits). */
function holdsUnsafeInteger(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'number') {
      if (Number.isInteger(v) && !Number.isSafeInteger(v)) return true;
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
    } else if (typeof v === 'object' && v !== null) {
      for (const key in v) stack.push((v as Record<string, unknown>)[key]);
    }
  }
  return false;
}

/** JSON.parse that reads integers beyond 2^53 as bigint. */
export function parseWithBigInt(text: string): unknown {
  // The reviver is slow, so it runs only when the plain parse met a number it may have rounded.
  // (A regex pre-scan of the text for 16-digit runs was slower still on large texts.)
  const value = JSON.parse(text);
  if (!holdsUnsafeInteger(value)) return value;
  return JSON.parse(text, reviveBigInt as (key: string, value: unknown) => unknown);
}
