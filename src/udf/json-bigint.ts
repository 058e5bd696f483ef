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

/** JSON.parse that reads integers beyond 2^53 as bigint. */
export function parseWithBigInt(text: string): unknown {
  // Every unsafe integer has at least 16 digits; without such a run the reviver cannot matter.
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  return JSON.parse(text, reviveBigInt as (key: string, value: unknown) => unknown);
}
