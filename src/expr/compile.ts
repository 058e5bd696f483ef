// Type-checks the syntax tree and turns it into a tree of closures, once per expression.
import { StageError } from '../core/errors.ts';
import type { LogicalType } from '../core/types.ts';
import type { LiteralValue, Node } from './ast.ts';
import { type Conv, converter, fail } from './cast.ts';
import { type CompileContext, type Compiled, constant, type Fn, type Rec } from './compiled.ts';
import { fitsPrecision } from './decimal.ts';
import { didYouMean, errorAt, type Span } from './errors.ts';
import { condition, unify } from './functions/cond.ts';
import type { FnDef } from './functions/index.ts';
import { compileLike } from './like.ts';
import { arithmetic, type CmpOp, comparison, dynEquals, negation } from './operators.ts';
import { parseDate, parseTimestamp } from './time.ts';
import {
  isInteger,
  isNumeric,
  isStringy,
  NULL_TYPE,
  parseCastType,
  t,
  typeName,
  UNKNOWN,
  withNullable,
  type XType,
} from './types.ts';

export interface Env {
  ctx: CompileContext;
  fields: ReadonlyMap<string, LogicalType> | undefined;
  functions: Map<string, FnDef>;
  /** Top-level field names referenced, filled while compiling. */
  referenced: Set<string>;
}

// Names that a plain object inherits; reading them needs an own-property check.
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

export function compileNode(node: Node, env: Env): Compiled {
  switch (node.type) {
    case 'literal':
      return literal(node.value, node);
    case 'field':
      return field(node, env);
    case 'index':
      return index(node, env);
    case 'unary':
      return unary(node, env);
    case 'binary':
      return binary(node, env);
    case 'is':
      return isTest(node, env);
    case 'in':
      return inList(node, env);
    case 'between':
      return between(node, env);
    case 'like':
      return like(node, env);
    case 'case':
      return caseExpr(node, env);
    case 'cast':
      return cast(node, env);
    case 'call':
      return call(node, env);
  }
}

/** Evaluates a node whose inputs are all constant once, now; a failure is a compile error. */
function fold(c: Compiled, children: Compiled[], pure = true): Compiled {
  if (!pure || !children.every((x) => x.constant)) return c;
  try {
    const value = c.fn({});
    return constant(withNullable(c.type, value === null), value, c.span);
  } catch (e) {
    if (e instanceof StageError) throw errorAt(e.message, c.span);
    throw e;
  }
}

const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

function literal(v: LiteralValue, span: Span): Compiled {
  switch (v.kind) {
    case 'NULL':
      return constant(NULL_TYPE, null, span);
    case 'BOOLEAN':
      return constant({ kind: 'BOOLEAN', nullable: false }, v.value, span);
    case 'STRING':
      return constant({ kind: 'STRING', nullable: false }, v.value, span);
    case 'INTEGER': {
      const n = BigInt(v.text);
      if (n >= INT_MIN && n <= INT_MAX) return constant({ kind: 'INT', nullable: false }, Number(n), span);
      if (n >= LONG_MIN && n <= LONG_MAX) return constant({ kind: 'BIGINT', nullable: false }, n, span);
      if (fitsPrecision(n, 38)) {
        return constant({ kind: 'DECIMAL', precision: 38, scale: 0, nullable: false }, n, span);
      }
      throw errorAt(`the number ${v.text} is too large`, span);
    }
    case 'DECIMAL': {
      const [whole, frac = ''] = v.text.split('.') as [string, string?];
      const unscaled = BigInt(whole.replace('-', '') + frac || '0') * (whole.startsWith('-') ? -1n : 1n);
      const digits = (unscaled < 0n ? -unscaled : unscaled).toString().length;
      const precision = Math.max(digits, frac.length, 1);
      if (precision > 38) return constant({ kind: 'DOUBLE', nullable: false }, Number(v.text), span);
      return constant({ kind: 'DECIMAL', precision, scale: frac.length, nullable: false }, unscaled, span);
    }
    case 'DOUBLE':
      return constant({ kind: 'DOUBLE', nullable: false }, Number(v.text), span);
    case 'DATE': {
      const d = parseDate(v.value);
      if (d === null) throw errorAt(`invalid DATE literal '${v.value}' (expected yyyy-MM-dd)`, span);
      return constant({ kind: 'DATE', nullable: false }, d, span);
    }
    case 'TIMESTAMP': {
      const ts = parseTimestamp(v.value);
      if (ts === null) {
        throw errorAt(
          `invalid TIMESTAMP literal '${v.value}' (expected yyyy-MM-dd HH:mm:ss[.fraction])`,
          span,
        );
      }
      const fraction = /\.(\d+)/.exec(v.value)?.[1]?.length ?? 0;
      return constant(
        { kind: 'TIMESTAMP', precision: Math.min(6, Math.max(fraction, 0)), nullable: false },
        ts,
        span,
      );
    }
  }
}

function ownGetter(name: string): (o: unknown) => unknown {
  if (INHERITED.has(name)) {
    return (o) => {
      if (typeof o !== 'object' || o === null || Array.isArray(o)) return null;
      if (o instanceof Map) return o.get(name) ?? null;
      return Object.hasOwn(o, name) ? ((o as Rec)[name] ?? null) : null;
    };
  }
  return (o) => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return null;
    if (o instanceof Map) return o.get(name) ?? null;
    const v = (o as Rec)[name];
    return v === undefined ? null : v;
  };
}

function field(node: Node & { type: 'field' }, env: Env): Compiled {
  const [top, ...rest] = node.path;
  const name = top!.name;
  let type: XType;
  if (env.ctx.dynamic) {
    type = UNKNOWN;
  } else {
    const t0 = env.fields?.get(name);
    if (!t0) {
      const names = [...(env.fields?.keys() ?? [])];
      throw errorAt(`unknown field "${name}"`, top!.span, didYouMean(name, names));
    }
    type = t0;
    for (const step of rest) type = memberType(type, step.name, step.span);
  }
  env.referenced.add(name);
  let fn: Fn;
  if (INHERITED.has(name)) {
    fn = (r) => (Object.hasOwn(r, name) ? (r[name] ?? null) : null);
  } else {
    fn = (r) => {
      const v = r[name];
      return v === undefined ? null : v;
    };
  }
  if (rest.length === 1) {
    const g = ownGetter(rest[0]!.name);
    const f0 = fn;
    fn = (r) => g(f0(r));
  } else if (rest.length > 1) {
    const getters = rest.map((s) => ownGetter(s.name));
    const f0 = fn;
    fn = (r) => {
      let v = f0(r);
      for (const g of getters) {
        if (v === null) return null;
        v = g(v);
      }
      return v;
    };
  }
  return { type, fn, span: node };
}

function memberType(type: XType, name: string, span: Span): XType {
  if (type.kind === 'ROW') {
    const f = type.fields.find((x) => x.name === name);
    if (!f) {
      throw errorAt(
        `${typeName(type)} has no field "${name}"`,
        span,
        didYouMean(
          name,
          type.fields.map((x) => x.name),
        ),
      );
    }
    return withNullable(f.type, true);
  }
  if (type.kind === 'MAP' && isStringy(type.key)) return withNullable(type.value, true);
  throw errorAt(`cannot read field "${name}" of ${typeName(type)}`, span);
}

function index(node: Node & { type: 'index' }, env: Env): Compiled {
  const target = compileNode(node.target, env);
  const idx = compileNode(node.index, env);
  const tf = target.fn;
  const xf = idx.fn;
  const tt = target.type;
  if (
    tt.kind === 'ROW' ||
    (tt.kind === 'MAP' &&
      idx.constant &&
      node.index.type === 'literal' &&
      isStringy(idx.type) &&
      isStringy(tt.key))
  ) {
    if (!idx.constant || typeof idx.constant.value !== 'string') {
      throw errorAt("a ROW field is read with a constant name: row.name or row['name']", idx.span);
    }
    const type = memberType(tt, idx.constant.value, idx.span);
    const g = ownGetter(idx.constant.value);
    return { type, fn: (r) => g(tf(r)), span: node };
  }
  if (tt.kind === 'ARRAY') {
    if (!isInteger(idx.type) && idx.type.kind !== 'UNKNOWN' && idx.type.kind !== 'NULL') {
      throw errorAt(`an array index must be an integer, got ${typeName(idx.type)}`, idx.span);
    }
    return { type: withNullable(tt.element, true), fn: arrayGet(tf, xf), span: node };
  }
  if (tt.kind === 'MAP') {
    const conv = converter(idx.type, tt.key, env.ctx.zone, false);
    if (!conv) throw errorAt(`the map key must be ${typeName(tt.key)}, got ${typeName(idx.type)}`, idx.span);
    return {
      type: withNullable(tt.value, true),
      fn: (r) => {
        const m = tf(r);
        const k = conv(xf(r));
        return m instanceof Map && k !== null ? (m.get(k) ?? null) : null;
      },
      span: node,
    };
  }
  if (tt.kind === 'UNKNOWN' || tt.kind === 'NULL') {
    return {
      type: UNKNOWN,
      fn: (r) => {
        const v = tf(r);
        if (v === null || typeof v !== 'object') return null;
        const k = xf(r);
        if (Array.isArray(v)) return elementAt(v, k);
        if (typeof k !== 'string') return null;
        if (v instanceof Map) return v.get(k) ?? null;
        return Object.hasOwn(v, k) ? ((v as Rec)[k] ?? null) : null;
      },
      span: node,
    };
  }
  throw errorAt(`cannot index into ${typeName(tt)}`, node.target);
}

function elementAt(arr: unknown[], k: unknown): unknown {
  const i = typeof k === 'bigint' ? Number(k) : k;
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 1 || i > arr.length) return null;
  return arr[i - 1] ?? null;
}

function arrayGet(tf: Fn, xf: Fn): Fn {
  return (r) => {
    const v = tf(r);
    return Array.isArray(v) ? elementAt(v, xf(r)) : null;
  };
}

function unary(node: Node & { type: 'unary' }, env: Env): Compiled {
  const arg = compileNode(node.arg, env);
  const f = arg.fn;
  if (node.op === 'NOT') {
    const c = condition('NOT', arg, env.ctx);
    return fold({ type: t.BOOLEAN, fn: (r) => not3(c(r)), span: node }, [arg]);
  }
  if (node.op === '+') {
    if (!isNumeric(arg.type) && arg.type.kind !== 'UNKNOWN' && arg.type.kind !== 'NULL') {
      throw errorAt(`cannot apply "+" to ${typeName(arg.type)}`, node);
    }
    return { ...arg, span: node };
  }
  const neg = negation(arg.type);
  if (typeof neg === 'string') throw errorAt(neg, node);
  const apply = neg.apply;
  return fold(
    {
      type: neg.type,
      fn: (r) => {
        const v = f(r);
        return v === null ? null : apply(v);
      },
      span: node,
    },
    [arg],
  );
}

const not3 = (v: unknown) => (v === null ? null : !v);

function binary(node: Node & { type: 'binary' }, env: Env): Compiled {
  const left = compileNode(node.left, env);
  const right = compileNode(node.right, env);
  const fl = left.fn;
  const fr = right.fn;
  const zone = env.ctx.zone;
  let c: Compiled;
  switch (node.op) {
    case 'AND':
    case 'OR': {
      const a = condition(node.op, left, env.ctx);
      const b = condition(node.op, right, env.ctx);
      const fn: Fn =
        node.op === 'AND'
          ? (r) => {
              const x = a(r);
              if (x === false) return false;
              const y = b(r);
              if (y === false) return false;
              return x === null || y === null ? null : true;
            }
          : (r) => {
              const x = a(r);
              if (x === true) return true;
              const y = b(r);
              if (y === true) return true;
              return x === null || y === null ? null : false;
            };
      c = { type: t.BOOLEAN, fn, span: node };
      break;
    }
    case '||': {
      const cl = converter(left.type, t.STRING, zone, true);
      const cr = converter(right.type, t.STRING, zone, true);
      if (!cl) throw errorAt(`cannot join ${typeName(left.type)} with "||"`, left.span);
      if (!cr) throw errorAt(`cannot join ${typeName(right.type)} with "||"`, right.span);
      c = {
        type: t.STRING,
        fn: (r) => {
          const a = cl(fl(r));
          if (a === null) return null;
          const b = cr(fr(r));
          return b === null ? null : (a as string) + (b as string);
        },
        span: node,
      };
      break;
    }
    case '+':
    case '-':
    case '*':
    case '/':
    case '%': {
      const op = arithmetic(node.op, left.type, right.type, zone);
      if (typeof op === 'string') throw errorAt(op, node.opSpan);
      const { left: cl, right: cr, apply } = op;
      c = {
        type: op.type,
        fn: (r) => {
          const a = cl(fl(r));
          if (a === null) return null;
          const b = cr(fr(r));
          return b === null ? null : apply(a, b);
        },
        span: node,
      };
      break;
    }
    default: {
      const cmp = comparison(node.op, left.type, right.type, zone);
      if (typeof cmp === 'string') throw errorAt(cmp, node.opSpan);
      const { left: cl, right: cr, test } = cmp;
      c = {
        type: t.BOOLEAN,
        fn: (r) => {
          const a = cl(fl(r));
          if (a === null) return null;
          const b = cr(fr(r));
          return b === null ? null : test(a, b);
        },
        span: node,
      };
    }
  }
  return fold(c, [left, right]);
}

function isTest(node: Node & { type: 'is' }, env: Env): Compiled {
  const arg = compileNode(node.arg, env);
  const neg = node.negated;
  let fn: Fn;
  if (node.test === 'NULL') {
    const f = arg.fn;
    fn = neg ? (r) => f(r) !== null : (r) => f(r) === null;
  } else {
    const c = condition(`IS ${node.test}`, arg, env.ctx);
    const want = node.test === 'TRUE';
    fn = neg ? (r) => c(r) !== want : (r) => c(r) === want;
  }
  return fold({ type: { kind: 'BOOLEAN', nullable: false }, fn, span: node }, [arg]);
}

function compare(op: CmpOp, a: Compiled, b: Compiled, env: Env, span: Span) {
  const cmp = comparison(op, a.type, b.type, env.ctx.zone);
  if (typeof cmp === 'string') throw errorAt(cmp, span);
  const { left, right, test } = cmp;
  return (x: unknown, y: unknown): boolean | null => {
    if (x === null || y === null) return null;
    const p = left(x);
    const q = right(y);
    return p === null || q === null ? null : test(p, q);
  };
}

const SET_KINDS = new Set(['STRING', 'VARCHAR', 'TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'BOOLEAN', 'DATE']);

function inList(node: Node & { type: 'in' }, env: Env): Compiled {
  const arg = compileNode(node.arg, env);
  const items = node.list.map((n) => compileNode(n, env));
  const tests = items.map((item) => compare('=', arg, item, env, item.span));
  const fa = arg.fn;
  const fns = items.map((i) => i.fn);
  const neg = node.negated;
  const hit = !neg;
  const allConstant = items.every((i) => i.constant);
  let fn: Fn;
  let set: Set<unknown> | null = null;
  let sawNull = false;
  if (allConstant && (SET_KINDS.has(arg.type.kind) || arg.type.kind === 'UNKNOWN')) {
    set = new Set();
    for (const item of items) {
      const conv = converter(item.type, arg.type, env.ctx.zone, false);
      const v = item.constant!.value;
      if (v === null) sawNull = true;
      else if (conv && (item.type.kind === arg.type.kind || arg.type.kind === 'UNKNOWN')) set.add(conv(v));
      else set = null;
      if (!set) break;
    }
  }
  if (set) {
    const s = set;
    const dynamic = arg.type.kind === 'UNKNOWN';
    const values = [...s];
    const miss = sawNull ? null : neg;
    fn = (r) => {
      const v = fa(r);
      if (v === null) return null;
      if (s.has(v)) return hit;
      if (dynamic && typeof v !== 'boolean') {
        for (const x of values) if (dynEquals(v, x)) return hit;
      }
      return miss;
    };
  } else {
    fn = (r) => {
      const v = fa(r);
      if (v === null) return null;
      let unknown = false;
      for (let i = 0; i < fns.length; i++) {
        const res = tests[i]!(v, fns[i]!(r));
        if (res === true) return hit;
        if (res === null) unknown = true;
      }
      return unknown ? null : neg;
    };
  }
  return fold({ type: t.BOOLEAN, fn, span: node }, [arg, ...items]);
}

function between(node: Node & { type: 'between' }, env: Env): Compiled {
  const arg = compileNode(node.arg, env);
  const low = compileNode(node.low, env);
  const high = compileNode(node.high, env);
  const ge = compare('>=', arg, low, env, low.span);
  const le = compare('<=', arg, high, env, high.span);
  const [fa, fl, fh] = [arg.fn, low.fn, high.fn];
  const neg = node.negated;
  const fn: Fn = (r) => {
    const v = fa(r);
    const a = ge(v, fl(r));
    const b = le(v, fh(r));
    const res = a === false || b === false ? false : a === null || b === null ? null : true;
    return neg ? not3(res) : res;
  };
  return fold({ type: t.BOOLEAN, fn, span: node }, [arg, low, high]);
}

function stringOf(c: Compiled, env: Env, what: string): Conv {
  const conv = converter(c.type, t.STRING, env.ctx.zone, true);
  if (!conv) throw errorAt(`${what} must be a string, got ${typeName(c.type)}`, c.span);
  return conv;
}

function like(node: Node & { type: 'like' }, env: Env): Compiled {
  const arg = compileNode(node.arg, env);
  const pattern = compileNode(node.pattern, env);
  const ca = stringOf(arg, env, 'the LIKE value');
  const cp = stringOf(pattern, env, 'the LIKE pattern');
  let escapeChar: string | null = null;
  if (node.escapeChar) {
    const e = compileNode(node.escapeChar, env);
    const v = e.constant?.value;
    if (typeof v !== 'string' || Array.from(v).length !== 1) {
      throw errorAt('ESCAPE takes a single-character string', e.span);
    }
    escapeChar = v;
  }
  const fa = arg.fn;
  const neg = node.negated;
  let fn: Fn;
  if (pattern.constant) {
    const p = cp(pattern.constant.value);
    if (p === null) return constant(t.BOOLEAN, null, node);
    let matcher: (s: string) => boolean;
    try {
      matcher = compileLike(p as string, escapeChar);
    } catch (e) {
      throw errorAt((e as Error).message, pattern.span);
    }
    fn = (r) => {
      const s = ca(fa(r));
      return s === null ? null : matcher(s as string) !== neg;
    };
  } else {
    const fp = pattern.fn;
    const cache = new Map<string, (s: string) => boolean>();
    fn = (r) => {
      const s = ca(fa(r));
      const p = cp(fp(r)) as string | null;
      if (s === null || p === null) return null;
      let m = cache.get(p);
      if (!m) {
        try {
          m = compileLike(p, escapeChar);
        } catch (e) {
          return fail((e as Error).message);
        }
        if (cache.size > 64) cache.clear();
        cache.set(p, m);
      }
      return m(s as string) !== neg;
    };
  }
  return fold({ type: t.BOOLEAN, fn, span: node }, [arg, pattern]);
}

function caseExpr(node: Node & { type: 'case' }, env: Env): Compiled {
  const subject = node.subject ? compileNode(node.subject, env) : null;
  const whens = node.whens.map((w) => compileNode(w.when, env));
  const thens = node.whens.map((w) => compileNode(w.result, env));
  const otherwise = node.otherwise ? compileNode(node.otherwise, env) : constant(NULL_TYPE, null, node);
  const { type, convs } = unify('CASE', [...thens, otherwise], env.ctx);
  const results = [...thens, otherwise].map((c, i) => {
    const f = c.fn;
    const conv = convs[i]!;
    return (r: Rec) => conv(f(r));
  });
  const elseFn = results[results.length - 1]!;
  const n = whens.length;
  let fn: Fn;
  if (subject) {
    const tests = whens.map((w) => compare('=', subject, w, env, w.span));
    const fs = subject.fn;
    const wf = whens.map((w) => w.fn);
    fn = (r) => {
      const v = fs(r);
      for (let i = 0; i < n; i++) if (tests[i]!(v, wf[i]!(r)) === true) return results[i]!(r);
      return elseFn(r);
    };
  } else {
    const conds = whens.map((w) => condition('WHEN', w, env.ctx));
    fn = (r) => {
      for (let i = 0; i < n; i++) if (conds[i]!(r) === true) return results[i]!(r);
      return elseFn(r);
    };
  }
  const children = [...(subject ? [subject] : []), ...whens, ...thens, otherwise];
  return fold({ type, fn, span: node }, children);
}

function cast(node: Node & { type: 'cast' }, env: Env): Compiled {
  const arg = compileNode(node.arg, env);
  const parsed = parseCastType(node.target);
  if ('error' in parsed) {
    throw errorAt(parsed.error, { pos: node.targetSpan.pos + parsed.offset, len: node.targetSpan.len });
  }
  const target = withNullable(parsed.type, true);
  const conv = converter(arg.type, target, env.ctx.zone, true);
  if (!conv) throw errorAt(`cannot cast ${typeName(arg.type)} to ${typeName(target)}`, node);
  const f = arg.fn;
  const fn: Fn = node.tryCast
    ? (r) => {
        try {
          return conv(f(r));
        } catch (e) {
          if (e instanceof StageError) return null;
          throw e;
        }
      }
    : (r) => conv(f(r));
  return fold({ type: target, fn, span: node }, [arg]);
}

function call(node: Node & { type: 'call' }, env: Env): Compiled {
  const def = env.functions.get(node.name);
  if (!def) {
    throw errorAt(
      `unknown function "${node.name}"`,
      node.nameSpan,
      didYouMean(node.name, env.functions.keys()),
    );
  }
  const n = node.args.length;
  if (n < def.minArgs || n > def.maxArgs) {
    const expected =
      def.maxArgs === Number.POSITIVE_INFINITY
        ? `at least ${def.minArgs}`
        : def.minArgs === def.maxArgs
          ? `${def.minArgs}`
          : `${def.minArgs} to ${def.maxArgs}`;
    throw errorAt(
      `wrong number of arguments for ${def.name}: expected ${expected}, got ${n} (usage: ${def.usage})`,
      node,
    );
  }
  const args = node.args.map((a, i) => {
    if (i === 0 && def.unitArgument && a.type === 'field' && a.path.length === 1) {
      return constant({ kind: 'STRING', nullable: false }, a.path[0]!.name, a);
    }
    return compileNode(a, env);
  });
  const resolved = def.resolve(args, env.ctx, node);
  return fold({ type: resolved.type, fn: resolved.fn, span: node }, args, def.pure);
}
