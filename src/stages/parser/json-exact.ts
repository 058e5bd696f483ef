// An iterative JSON parser: keeps integers beyond 2^53 exact (bigint), never recurses (any
// nesting depth), and says where and why the text is not JSON. JSON.parse is much faster on
// ordinary records; json.ts uses this one only where JSON.parse cannot do the job.

export class JsonSyntaxError extends Error {
  /** 0-based character index where the problem is. */
  readonly at: number;
  constructor(message: string, at: number) {
    super(message);
    this.name = 'SyntaxError';
    this.at = at;
  }
}

type Frame = unknown[] | { obj: Record<string, unknown>; key: string };

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Significant digits of a JSON number or of a double's shortest text (1.5e-7, 123.40 → 4). */
export function significantDigits(text: string): number {
  let digits = 0;
  let started = false;
  let trailingZeros = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 101 || c === 69) break; // e / E
    if (c < 48 || c > 57) continue; // sign, dot
    if (c === 48 && !started) continue;
    started = true;
    digits++;
    trailingZeros = c === 48 ? trailingZeros + 1 : 0;
  }
  return digits - trailingZeros;
}

/** The value of a decimal text as `digits e exponent`, without insignificant zeros (for equality). */
function decimalKey(text: string): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return text;
  const all = (m[2] ?? '') + (m[3] ?? '');
  const exp = Number(m[4] ?? 0) - (m[3] ?? '').length;
  const lead = all.length - all.replace(/^0+/, '').length;
  const digits = all.slice(lead).replace(/0+$/, '');
  if (digits === '') return '0';
  const shift = all.length - lead - digits.length; // trailing zeros dropped
  return `${m[1]}${digits}e${exp + shift}`;
}

export function parseJsonExact(text: string): unknown {
  const n = text.length;
  let i = 0;
  const stack: Frame[] = [];

  const fail = (reason: string, at: number): never => {
    if (at >= n) throw new JsonSyntaxError(`unexpected end of JSON at character ${n}`, n);
    throw new JsonSyntaxError(`${reason} in JSON at character ${at}`, at);
  };
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
  };
  const readString = (): string => {
    const start = i; // at the opening quote
    i++;
    let out = '';
    let chunk = i;
    for (;;) {
      if (i >= n) fail('unterminated string', n);
      const c = text.charCodeAt(i);
      if (c === 34) {
        out += text.slice(chunk, i);
        i++;
        return out;
      }
      if (c === 92) {
        out += text.slice(chunk, i);
        const e = text[i + 1];
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape (needs 4 hex digits)', i);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 6;
        } else if (e !== undefined && e in ESCAPES) {
          out += ESCAPES[e];
          i += 2;
        } else {
          // The whole character, not half of a surrogate pair: messages must be well-formed text.
          const shown = e === undefined ? '' : String.fromCodePoint(text.codePointAt(i + 1)!);
          fail(`bad escape \\${shown} in the string starting at character ${start}`, i);
        }
        chunk = i;
        continue;
      }
      if (c < 0x20)
        fail(`control character U+${c.toString(16).padStart(4, '0').toUpperCase()} inside a string`, i);
      i++;
    }
  };
  const readKey = (): string => {
    ws();
    if (text.charCodeAt(i) !== 34) fail('expected a double-quoted property name', i);
    const key = readString();
    ws();
    if (text.charCodeAt(i) !== 58) fail("expected ':' after a property name", i);
    i++;
    return key;
  };
  const readNumber = (): number | bigint | string => {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail('bad number', i);
    i += m[0].length;
    const num = Number(m[0]);
    if (m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(num)) return BigInt(m[0]);
    // More digits than a double holds: the text itself, so that a DECIMAL (or STRING) column gets
    // every digit; a DOUBLE column reads the same double from it as from the number.
    if (significantDigits(m[0]) > 15 && decimalKey(m[0]) !== decimalKey(String(num))) return m[0];
    // JSON.parse turns 1e400 into Infinity: a different value, so the record is refused instead.
    if (!Number.isFinite(num)) {
      return fail(
        `the number ${m[0].length > 40 ? `${m[0].slice(0, 40)}…` : m[0]} is beyond the range of numbers (about ±1.8e308) Weir can hold`,
        i - m[0].length,
      );
    }
    return num;
  };

  for (;;) {
    // Read one value at i (or open a container and go read its first element).
    ws();
    if (i >= n) fail('', n);
    const c = text.charCodeAt(i);
    let value: unknown;
    if (c === 123) {
      i++;
      ws();
      if (text.charCodeAt(i) === 125) {
        i++;
        value = {};
      } else {
        const obj: Record<string, unknown> = {};
        stack.push({ obj, key: readKey() });
        continue;
      }
    } else if (c === 91) {
      i++;
      ws();
      if (text.charCodeAt(i) === 93) {
        i++;
        value = [];
      } else {
        stack.push([]);
        continue;
      }
    } else if (c === 34) value = readString();
    else if (c === 45 || (c >= 48 && c <= 57)) value = readNumber();
    else if (text.startsWith('true', i)) {
      value = true;
      i += 4;
    } else if (text.startsWith('false', i)) {
      value = false;
      i += 5;
    } else if (text.startsWith('null', i)) {
      value = null;
      i += 4;
    } else fail(`unexpected character ${describeChar(text, i)}`, i);

    // Attach the value to its container; close containers as far as the text says.
    for (;;) {
      ws();
      const top = stack[stack.length - 1];
      if (top === undefined) {
        if (i < n) fail(`unexpected ${describeChar(text, i)} after the end of the JSON value`, i);
        return value;
      }
      const d = text.charCodeAt(i);
      if (Array.isArray(top)) {
        top.push(value);
        if (d === 44) {
          i++;
          break;
        }
        if (d !== 93) fail("expected ',' or ']' after an array element", i);
        i++;
        stack.pop();
        value = top;
      } else {
        setField(top.obj, top.key, value);
        if (d === 44) {
          i++;
          top.key = readKey();
          break;
        }
        if (d !== 125) fail("expected ',' or '}' after a property value", i);
        i++;
        stack.pop();
        value = top.obj;
      }
    }
  }
}

function setField(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function describeChar(text: string, i: number): string {
  const cp = text.codePointAt(i)!;
  if (cp < 0x20 || cp === 0x7f)
    return `control character U+${cp.toString(16).padStart(4, '0').toUpperCase()}`;
  if (cp === 0xfffd) return "'\uFFFD' (a byte that is not valid UTF-8)";
  if (cp >= 0xd800 && cp <= 0xdfff) return `lone surrogate U+${cp.toString(16).toUpperCase()}`;
  return `'${String.fromCodePoint(cp)}'`;
}
