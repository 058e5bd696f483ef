// CPython's marshal format, the part of it that holds JSON-like values: how a batch crosses between
// JS and a Python UDF (python-host.ts ↔ python/weir_runner.py). In Pyodide, `marshal.loads` reads a
// batch of records ~2.5× faster than `json.loads`, and `marshal.dumps` gives a record's bytes for the
// "unchanged?" check ~6× faster than re-encoding JSON (docs/decisions.md, "Python UDF batches").
//
// Writer: JS values → marshal (version 4 types, no references except for object keys, which a
// batch repeats in every record). Values follow JSON.stringify: undefined members are left out,
// non-finite numbers are null, toJSON() is used, a cycle throws; a bigint, and a number JSON writes
// as an integer literal, is a Python int; any other number a float.
// Reader: marshal → JS values as JSON.parse would give them from Python's json.dumps (tuples are
// arrays, non-str keys are written as JSON writes them, integers beyond 2^53 are bigint); a value
// JSON cannot hold throws a MarshalValueError named like Python's json error.

const NULL = 0x30; // '0': ends a dict
const NONE = 0x4e;
const FALSE = 0x46;
const TRUE = 0x54;
const INT = 0x69;
const LONG = 0x6c;
const BINARY_FLOAT = 0x67;
const SHORT_ASCII = 0x7a;
const SHORT_ASCII_INTERNED = 0x5a;
const ASCII = 0x61;
const ASCII_INTERNED = 0x41;
const UNICODE = 0x75;
const INTERNED = 0x74;
const STRING = 0x73; // bytes
const TUPLE = 0x28;
const SMALL_TUPLE = 0x29;
const LIST = 0x5b;
const DICT = 0x7b;
const REF = 0x72;
const FLAG_REF = 0x80;

/** Python type names of the marshal types a JSON value cannot hold, for the error message. */
const PYTHON_TYPES: Record<number, string> = {
  115: 'bytes',
  60: 'set',
  62: 'frozenset',
  120: 'complex',
  121: 'complex',
  46: 'ellipsis',
  83: 'type',
  99: 'code',
  58: 'slice',
};

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A value the reader met that JSON cannot hold; `errorClass` is what Python's json would raise. */
export class MarshalValueError extends Error {
  readonly errorClass: 'TypeError' | 'ValueError';
  constructor(errorClass: 'TypeError' | 'ValueError', message: string) {
    super(message);
    this.errorClass = errorClass;
  }
}

/** UTF-8 that keeps lone surrogates (Python's "surrogatepass"), for strings that are not well formed. */
function encodeSurrogatePass(s: string, out: Uint8Array, at: number): number {
  let p = at;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out[p++] = c;
    else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0x10000) {
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    } else {
      out[p++] = 0xf0 | (c >> 18);
      out[p++] = 0x80 | ((c >> 12) & 0x3f);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p - at;
}

export class MarshalWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  private readonly keys = new Map<string, number>();
  private refs = 0;
  private readonly open: object[] = [];
  private readonly shared: boolean;

  /** `shared`: write into SharedArrayBuffer memory, so that `written()` can be sent to a thread uncopied. */
  constructor(initialBytes = 64 * 1024, shared = false) {
    this.shared = shared;
    this.buf = this.allocate(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  /** Starts over (keeping the memory): key references start afresh too. */
  reset(): void {
    this.pos = 0;
    this.keys.clear();
    this.refs = 0;
  }

  /** Opens a list whose length is not known yet: write its values, then `endList` with its handle. */
  startList(): number {
    const at = this.pos;
    this.byte(LIST);
    this.int32(0);
    return at;
  }

  endList(handle: number, length: number): void {
    this.view.setInt32(handle + 1, length, true);
  }

  /** Writes one value; on a cycle it throws TypeError and writes nothing. */
  value(v: unknown): void {
    const start = this.pos;
    const refs = this.refs;
    try {
      this.write(v, '');
    } catch (e) {
      // Back to where the value began; keys first written inside it are forgotten with it.
      this.pos = start;
      if (this.refs !== refs) {
        for (const [k, i] of this.keys) if (i >= refs) this.keys.delete(k);
        this.refs = refs;
      }
      this.open.length = 0;
      throw e;
    }
  }

  /** The bytes written so far, uncopied: valid until the next write or reset. */
  written(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private allocate(n: number): Uint8Array {
    return new Uint8Array(this.shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = this.allocate(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private int32(n: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, n, true);
    this.pos += 4;
  }

  private string(s: string, flag: number): void {
    const n = s.length;
    this.ensure(5 + n * 3);
    const buf = this.buf;
    const short = n < 256;
    const at = this.pos + (short ? 2 : 5);
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[at + i] = c;
    }
    if (i === n) {
      if (short) {
        buf[this.pos] = SHORT_ASCII | flag;
        buf[this.pos + 1] = n;
      } else {
        buf[this.pos] = ASCII | flag;
        this.view.setInt32(this.pos + 1, n, true);
      }
      this.pos = at + n;
      return;
    }
    const data = this.pos + 5;
    const written = s.isWellFormed()
      ? encoder.encodeInto(s, buf.subarray(data)).written
      : encodeSurrogatePass(s, buf, data);
    buf[this.pos] = UNICODE | flag;
    this.view.setInt32(this.pos + 1, written, true);
    this.pos = data + written;
  }

  private long(v: bigint): void {
    let magnitude = v < 0n ? -v : v;
    const digits: number[] = [];
    while (magnitude > 0n) {
      digits.push(Number(magnitude & 0x7fffn));
      magnitude >>= 15n;
    }
    this.byte(LONG);
    this.int32(v < 0n ? -digits.length : digits.length);
    this.ensure(digits.length * 2);
    for (const d of digits) {
      this.view.setUint16(this.pos, d, true);
      this.pos += 2;
    }
  }

  private key(k: string): void {
    const ref = this.keys.get(k);
    if (ref !== undefined) {
      this.byte(REF);
      this.int32(ref);
      return;
    }
    this.string(k, FLAG_REF);
    this.keys.set(k, this.refs++);
  }

  private write(v: unknown, key: string): void {
    switch (typeof v) {
      case 'string':
        this.string(v, 0);
        return;
      case 'number':
        // An integer that JSON.stringify writes with digits only (below 1e21) is a Python int.
        if (Number.isInteger(v) && Math.abs(v) < 1e21) {
          if (v >= INT32_MIN && v <= INT32_MAX) {
            this.byte(INT);
            this.int32(v);
          } else this.long(BigInt(String(v))); // the digits JSON writes, not the binary value
        } else if (Number.isFinite(v)) {
          this.ensure(9);
          this.buf[this.pos] = BINARY_FLOAT;
          this.view.setFloat64(this.pos + 1, v, true);
          this.pos += 9;
        } else this.byte(NONE);
        return;
      case 'boolean':
        this.byte(v ? TRUE : FALSE);
        return;
      case 'bigint':
        this.long(v);
        return;
      case 'object':
        if (v === null) this.byte(NONE);
        else if (typeof (v as { toJSON?: unknown }).toJSON === 'function')
          this.write((v as { toJSON(key: string): unknown }).toJSON(key), key);
        else this.container(v);
        return;
      default:
        // undefined, functions and symbols: null, as JSON.stringify writes them in arrays.
        this.byte(NONE);
    }
  }

  private container(v: object): void {
    if (this.open.includes(v)) throw new TypeError('Converting circular structure to JSON');
    this.open.push(v);
    if (Array.isArray(v)) {
      this.byte(LIST);
      this.int32(v.length);
      for (let i = 0; i < v.length; i++) this.write(v[i], String(i));
    } else {
      this.byte(DICT);
      const record = v as Record<string, unknown>;
      for (const k in record) {
        if (!Object.hasOwn(record, k)) continue;
        const x = record[k];
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
        this.key(k);
        this.write(x, k);
      }
      this.byte(NULL);
    }
    this.open.pop();
  }
}

/** How json.dumps writes a non-str key. */
function jsonKey(k: unknown): string {
  if (k === null) return 'null';
  if (typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean')
    return String(k);
  const type = Array.isArray(k) ? 'tuple' : typeof k === 'object' ? 'dict' : typeof k;
  throw new MarshalValueError('TypeError', `keys must be str, int, float, bool or None, not ${type}`);
}

function copyJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copyJson);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k in v) out[k] = copyJson((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

const OPEN = Symbol('open');

class Reader {
  private pos = 0;
  private readonly view: DataView;
  private readonly refs: unknown[] = [];
  private readonly buf: Uint8Array;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** One value; `bytes` allows Python bytes (as Uint8Array) at the top level and in lists/tuples. */
  read(bytes: boolean): unknown {
    const v = this.value(bytes);
    if (this.pos !== this.buf.length) throw new Error('marshal data has trailing bytes');
    return v;
  }

  private int32(): number {
    const n = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return n;
  }

  private text(n: number): string {
    const buf = this.buf;
    const at = this.pos;
    this.pos += n;
    if (this.pos > buf.length) throw new Error('marshal data ends inside a string');
    if (n < 32) {
      let s = '';
      for (let i = at; i < at + n; i++) {
        const c = buf[i] as number;
        if (c >= 0x80) return decodeUtf8(buf.subarray(at, at + n));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return decodeUtf8(buf.subarray(at, at + n));
  }

  private keep<T>(flag: number, v: T): T {
    if (flag) this.refs.push(v);
    return v;
  }

  private value(bytes: boolean): unknown {
    const code = this.buf[this.pos++];
    if (code === undefined) throw new Error('marshal data ends early');
    const flag = code & FLAG_REF;
    const type = code & ~FLAG_REF;
    switch (type) {
      case NONE:
        return null;
      case TRUE:
        return true;
      case FALSE:
        return false;
      case INT:
        return this.keep(flag, this.int32());
      case LONG:
        return this.keep(flag, this.long());
      case BINARY_FLOAT: {
        const f = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        if (!Number.isFinite(f)) {
          const name = Number.isNaN(f) ? 'nan' : f > 0 ? 'inf' : '-inf';
          throw new MarshalValueError(
            'ValueError',
            `Out of range float values are not JSON compliant: ${name}`,
          );
        }
        return this.keep(flag, f);
      }
      case SHORT_ASCII:
      case SHORT_ASCII_INTERNED:
        return this.keep(flag, this.text(this.buf[this.pos++] as number));
      case ASCII:
      case ASCII_INTERNED:
      case UNICODE:
      case INTERNED:
        return this.keep(flag, this.text(this.int32()));
      case STRING: {
        const n = this.int32();
        const data = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        if (!bytes) throw new MarshalValueError('TypeError', 'Object of type bytes is not JSON serializable');
        return this.keep(flag, data);
      }
      case REF: {
        const v = this.refs[this.int32()];
        // A list or dict still being read (its slot holds OPEN): the value contains itself.
        if (v === OPEN) throw new MarshalValueError('ValueError', 'Circular reference detected');
        // The same list or dict twice in Python is two copies in JSON (and two records in JS).
        return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) ? copyJson(v) : v;
      }
      case TUPLE:
      case SMALL_TUPLE:
      case LIST: {
        const n = type === SMALL_TUPLE ? (this.buf[this.pos++] as number) : this.int32();
        const slot = this.refs.length;
        if (flag) this.refs.push(OPEN);
        const list: unknown[] = new Array(n);
        for (let i = 0; i < n; i++) list[i] = this.value(bytes);
        if (flag) this.refs[slot] = list;
        return list;
      }
      case DICT: {
        const slot = this.refs.length;
        if (flag) this.refs.push(OPEN);
        const dict: Record<string, unknown> = {};
        while (this.buf[this.pos] !== NULL) {
          const k = this.value(false);
          dict[typeof k === 'string' ? k : jsonKey(k)] = this.value(false);
        }
        this.pos++;
        if (flag) this.refs[slot] = dict;
        return dict;
      }
      default: {
        const name = PYTHON_TYPES[type];
        if (name) throw new MarshalValueError('TypeError', `Object of type ${name} is not JSON serializable`);
        throw new Error(`marshal type ${JSON.stringify(String.fromCharCode(type))} is not supported`);
      }
    }
  }

  private long(): number | bigint {
    const n = this.int32();
    const count = Math.abs(n);
    let v = 0n;
    for (let i = count - 1; i >= 0; i--) v = (v << 15n) | BigInt(this.view.getUint16(this.pos + i * 2, true));
    this.pos += count * 2;
    if (n < 0) v = -v;
    const small = Number(v);
    return Number.isSafeInteger(small) ? small : v;
  }
}

/** UTF-8 that may hold lone surrogates (Python writes them with "surrogatepass"). */
function decodeUtf8(bytes: Uint8Array): string {
  // A lone surrogate is ED A0..BF xx; TextDecoder would turn it into U+FFFD.
  let at = bytes.indexOf(0xed);
  while (at >= 0 && at + 1 < bytes.length && (bytes[at + 1] as number) < 0xa0)
    at = bytes.indexOf(0xed, at + 1);
  if (at < 0 || at + 1 >= bytes.length) return decoder.decode(bytes);
  let s = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    let c: number;
    if (b < 0x80) {
      c = b;
      i += 1;
    } else if (b < 0xe0) {
      c = ((b & 0x1f) << 6) | ((bytes[i + 1] as number) & 0x3f);
      i += 2;
    } else if (b < 0xf0) {
      c = ((b & 0x0f) << 12) | (((bytes[i + 1] as number) & 0x3f) << 6) | ((bytes[i + 2] as number) & 0x3f);
      i += 3;
    } else {
      c =
        ((b & 0x07) << 18) |
        (((bytes[i + 1] as number) & 0x3f) << 12) |
        (((bytes[i + 2] as number) & 0x3f) << 6) |
        ((bytes[i + 3] as number) & 0x3f);
      i += 4;
    }
    s += String.fromCodePoint(c);
  }
  return s;
}

/**
 * Reads marshal data. `bytes: true` lets Python bytes through as Uint8Array views into `data`
 * (the runner's answer carries each changed record's own marshal bytes that way).
 */
export function readMarshal(data: Uint8Array, opts: { bytes?: boolean } = {}): unknown {
  return new Reader(data).read(opts.bytes ?? false);
}
