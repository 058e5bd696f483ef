// JSON text of any parsed value without losing precision: bigints are written as exact
// integer literals, Maps as objects, bytes as base64 strings.

declare global {
  interface JSON {
    rawJSON(text: string): unknown;
  }
}

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return JSON.rawJSON(value.toString());
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), v]));
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

/** JSON text of a value; `undefined` and functions become `null`, non-finite numbers `null` (as JSON.stringify). */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, replacer) ?? 'null';
}
