// Conditional functions: coalesce, if, nullif, ifnull, greatest, least.
import { type Conv, converter } from '../cast.ts';
import type { CompileContext, Compiled, Fn } from '../compiled.ts';
import { errorAt, type Span } from '../errors.ts';
import { comparison } from '../operators.ts';
import { commonType, t, typeName, type XType } from '../types.ts';
import type { FnDef } from './registry.ts';

/** The common type of some arguments and each one's converter to it; a compile error when there is none. */
export function unify(name: string, args: Compiled[], ctx: CompileContext): { type: XType; convs: Conv[] } {
  let type: XType = args[0]!.type;
  for (const a of args.slice(1)) {
    const next = commonType(type, a.type);
    if (!next) throw errorAt(`${name}: cannot mix ${typeName(type)} and ${typeName(a.type)}`, a.span);
    type = next;
  }
  const convs = args.map((a) => {
    const c = converter(a.type, type, ctx.zone, false);
    if (!c) throw errorAt(`${name}: cannot use ${typeName(a.type)} as ${typeName(type)}`, a.span);
    return c;
  });
  return { type, convs };
}

/** A boolean-valued argument: TRUE, FALSE or null (dynamic values are coerced). */
export function condition(name: string, arg: Compiled, ctx: CompileContext): Fn {
  const k = arg.type.kind;
  if (k === 'BOOLEAN' || k === 'NULL') return arg.fn;
  if (k !== 'UNKNOWN')
    throw errorAt(`${name} needs a condition (BOOLEAN), got ${typeName(arg.type)}`, arg.span);
  const conv = converter(arg.type, t.BOOLEAN, ctx.zone)!;
  const f = arg.fn;
  return (r) => conv(f(r));
}

function coalesceOf(name: string, args: Compiled[], ctx: CompileContext) {
  const { type, convs } = unify(name, args, ctx);
  const fns = args.map((a) => a.fn);
  const n = fns.length;
  const fn: Fn = (r) => {
    for (let i = 0; i < n; i++) {
      const v = fns[i]!(r);
      if (v !== null) return convs[i]!(v);
    }
    return null;
  };
  return { type, fn };
}

function extreme(name: string, op: '>' | '<'): FnDef {
  return {
    name,
    usage: `${name}(x1, x2, ...)`,
    minArgs: 1,
    maxArgs: Number.POSITIVE_INFINITY,
    pure: true,
    resolve(args, ctx, span: Span) {
      const { type, convs } = unify(name, args, ctx);
      const cmp = comparison(op, type, type, ctx.zone);
      if (typeof cmp === 'string') throw errorAt(`${name}: ${cmp}`, span);
      const fns = args.map((a) => a.fn);
      return {
        type,
        fn: (r) => {
          let best: unknown = null;
          for (let i = 0; i < fns.length; i++) {
            const v = convs[i]!(fns[i]!(r));
            if (v === null) return null;
            if (i === 0 || cmp.test(cmp.left(v), cmp.right(best))) best = v;
          }
          return best;
        },
      };
    },
  };
}

export const conditionalFunctions: FnDef[] = [
  {
    name: 'coalesce',
    usage: 'coalesce(x1, x2, ...)',
    minArgs: 1,
    maxArgs: Number.POSITIVE_INFINITY,
    pure: true,
    resolve: (args, ctx) => coalesceOf('coalesce', args, ctx),
  },
  {
    name: 'ifnull',
    usage: 'ifnull(x, fallback)',
    minArgs: 2,
    maxArgs: 2,
    pure: true,
    resolve: (args, ctx) => coalesceOf('ifnull', args, ctx),
  },
  {
    name: 'if',
    usage: 'if(condition, then, else)',
    minArgs: 3,
    maxArgs: 3,
    pure: true,
    resolve([c, a, b], ctx) {
      const cond = condition('if', c!, ctx);
      const { type, convs } = unify('if', [a!, b!], ctx);
      const [ca, cb] = convs as [Conv, Conv];
      const fa = a!.fn;
      const fb = b!.fn;
      return { type, fn: (r) => (cond(r) === true ? ca(fa(r)) : cb(fb(r))) };
    },
  },
  {
    name: 'nullif',
    usage: 'nullif(x, y)',
    minArgs: 2,
    maxArgs: 2,
    pure: true,
    resolve([a, b], ctx, span) {
      const cmp = comparison('=', a!.type, b!.type, ctx.zone);
      if (typeof cmp === 'string') throw errorAt(`nullif: ${cmp}`, span);
      const fa = a!.fn;
      const fb = b!.fn;
      return {
        type: a!.type,
        fn: (r) => {
          const x = fa(r);
          if (x === null) return null;
          const y = cmp.right(fb(r));
          return y !== null && cmp.test(cmp.left(x), y) ? null : x;
        },
      };
    },
  },
  extreme('greatest', '>'),
  extreme('least', '<'),
];
