// Schema compatibility per the Avro specification's schema resolution rules: can a reader schema
// read data written with a writer schema? The registry's modes are built on that one question.
import { type AvroNode, describeNode } from './schema.ts';

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'FORWARD',
  'FULL',
  'BACKWARD_TRANSITIVE',
  'FORWARD_TRANSITIVE',
  'FULL_TRANSITIVE',
] as const;

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export function isCompatibilityLevel(s: unknown): s is CompatibilityLevel {
  return typeof s === 'string' && (COMPATIBILITY_LEVELS as readonly string[]).includes(s);
}

/** Why a reader cannot read a writer's data, at `path` (dotted field names; '' = the whole schema). */
export type ReadProblem =
  | { kind: 'type'; path: string; reader: AvroNode; writer: AvroNode }
  | { kind: 'missing-default'; path: string }
  | { kind: 'name'; path: string; reader: string; writer: string }
  | { kind: 'enum-symbols'; path: string; symbols: string[] }
  | { kind: 'fixed-size'; path: string; reader: number; writer: number }
  | { kind: 'decimal-scale'; path: string; reader: number; writer: number };

const PROMOTIONS: Record<string, string[]> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

/** Every reason `reader` cannot read data written with `writer`; empty when it can. */
export function readProblems(reader: AvroNode, writer: AvroNode): ReadProblem[] {
  const out: ReadProblem[] = [];
  check(reader, writer, '', out, new Set());
  return out;
}

function check(r: AvroNode, w: AvroNode, path: string, out: ReadProblem[], seen: Set<string>): void {
  if (w.type === 'union') {
    // every branch the writer may have chosen must be readable
    for (const wb of w.branches) {
      if (r.type === 'union') checkBranch(r, wb, path, out, seen, w);
      else check(r, wb, path, out, seen);
    }
    return;
  }
  if (r.type === 'union') {
    checkBranch(r, w, path, out, seen, w);
    return;
  }
  if (r.type === 'primitive' && w.type === 'primitive') {
    if (r.name !== w.name && !PROMOTIONS[w.name]?.includes(r.name)) {
      out.push({ kind: 'type', path, reader: r, writer: w });
    } else if (r.logical?.logicalType === 'decimal' && w.logical?.logicalType === 'decimal') {
      // Avro ignores logical types when resolving, but an unscaled value read with another scale
      // silently changes every number; Weir refuses that.
      const rs = r.logical.scale ?? 0;
      const ws = w.logical.scale ?? 0;
      if (rs !== ws) out.push({ kind: 'decimal-scale', path, reader: rs, writer: ws });
    }
    return;
  }
  if (r.type !== w.type) {
    out.push({ kind: 'type', path, reader: r, writer: w });
    return;
  }
  switch (r.type) {
    case 'array':
      check(r.items, (w as typeof r).items, path, out, seen);
      return;
    case 'map':
      check(r.values, (w as typeof r).values, path, out, seen);
      return;
    case 'fixed': {
      const wf = w as typeof r;
      if (!namesMatch(r.name, r.aliases, wf.name)) {
        out.push({ kind: 'name', path, reader: r.name, writer: wf.name });
      } else if (r.size !== wf.size) {
        out.push({ kind: 'fixed-size', path, reader: r.size, writer: wf.size });
      }
      return;
    }
    case 'enum': {
      const we = w as typeof r;
      if (!namesMatch(r.name, r.aliases, we.name)) {
        out.push({ kind: 'name', path, reader: r.name, writer: we.name });
        return;
      }
      const missing = we.symbols.filter((s) => !r.symbols.includes(s));
      if (missing.length > 0 && r.default === undefined) {
        out.push({ kind: 'enum-symbols', path, symbols: missing });
      }
      return;
    }
    case 'record': {
      const wr = w as typeof r;
      if (!namesMatch(r.name, r.aliases, wr.name)) {
        out.push({ kind: 'name', path, reader: r.name, writer: wr.name });
        return;
      }
      const key = `${r.name}\u0000${wr.name}`;
      if (seen.has(key)) return; // recursive types: this pair is already being checked
      seen.add(key);
      for (const rf of r.fields) {
        const fieldPath = path === '' ? rf.name : `${path}.${rf.name}`;
        const wf =
          wr.fields.find((f) => f.name === rf.name) ?? wr.fields.find((f) => rf.aliases.includes(f.name));
        if (wf) check(rf.type, wf.type, fieldPath, out, seen);
        else if (!rf.hasDefault) out.push({ kind: 'missing-default', path: fieldPath });
      }
      return;
    }
    default:
      return;
  }
}

/** A reader union reads a writer branch through its branch of the same kind, or any that reads it. */
function checkBranch(
  r: AvroNode & { type: 'union' },
  wb: AvroNode,
  path: string,
  out: ReadProblem[],
  seen: Set<string>,
  wholeWriter: AvroNode,
): void {
  const same = r.branches.find((rb) => kindKey(rb) === kindKey(wb));
  if (same) {
    check(same, wb, path, out, seen);
    return;
  }
  const any = r.branches.find((rb) => {
    const trial: ReadProblem[] = [];
    check(rb, wb, path, trial, new Set(seen));
    return trial.length === 0;
  });
  if (!any) out.push({ kind: 'type', path, reader: r, writer: wholeWriter });
}

function kindKey(n: AvroNode): string {
  switch (n.type) {
    case 'primitive':
      return n.name;
    case 'record':
    case 'enum':
    case 'fixed':
      return `${n.type}:${shortName(n.name)}`;
    default:
      return n.type;
  }
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** As Avro's SchemaCompatibility: unqualified names equal, or the reader lists the writer's name as an alias. */
function namesMatch(reader: string, readerAliases: string[], writer: string): boolean {
  return shortName(reader) === shortName(writer) || readerAliases.includes(writer);
}

/**
 * A problem in the words of a schema change (old → new). `readerIsNew`: the check was "can the new
 * schema read old data" (BACKWARD); otherwise "can the old schema read new data" (FORWARD).
 */
export function describeProblem(p: ReadProblem, readerIsNew: boolean): string {
  const where = p.path === '' ? 'the schema' : `field "${p.path}"`;
  switch (p.kind) {
    case 'type': {
      let [oldT, newT] = readerIsNew ? [p.writer, p.reader] : [p.reader, p.writer];
      [oldT, newT] = unwrapBothNullable(oldT, newT);
      return (
        `${where} changed type from ${describeNode(oldT)} to ${describeNode(newT)} ` +
        `(Avro only promotes int→long→float→double and string↔bytes)`
      );
    }
    case 'missing-default':
      return readerIsNew
        ? `${where} was added without a default, so records written with the old schema cannot be read ` +
            `(give it a default, or make it nullable; to rename a field, list the old name in its aliases)`
        : `${where} was removed, but the old schema has no default for it, so its readers cannot read new records`;
    case 'name': {
      const [oldN, newN] = readerIsNew ? [p.writer, p.reader] : [p.reader, p.writer];
      return `${where}: the type name changed from ${oldN} to ${newN} (list the old name in its aliases)`;
    }
    case 'enum-symbols':
      return readerIsNew
        ? `${where}: enum symbols ${p.symbols.join(', ')} were removed and the new enum has no default`
        : `${where}: enum symbols ${p.symbols.join(', ')} were added and the old enum has no default`;
    case 'fixed-size': {
      const [oldS, newS] = readerIsNew ? [p.writer, p.reader] : [p.reader, p.writer];
      return `${where}: the fixed size changed from ${oldS} to ${newS}`;
    }
    case 'decimal-scale': {
      const [oldS, newS] = readerIsNew ? [p.writer, p.reader] : [p.reader, p.writer];
      return `${where}: the decimal scale changed from ${oldS} to ${newS}, which would change every value`;
    }
  }
}

function unwrapBothNullable(a: AvroNode, b: AvroNode): [AvroNode, AvroNode] {
  const inner = (n: AvroNode) => {
    if (n.type !== 'union' || n.branches.length !== 2) return undefined;
    const nonNull = n.branches.filter((x) => !(x.type === 'primitive' && x.name === 'null'));
    return nonNull.length === 1 ? nonNull[0] : undefined;
  };
  const ia = inner(a);
  const ib = inner(b);
  return ia && ib ? [ia, ib] : [a, b];
}

export interface PreviousSchema {
  version: number;
  schema: AvroNode;
}

/**
 * Checks a candidate schema against a subject's live versions (oldest first) under `level`.
 * Returns one plain message per problem, each naming the version and the rule; empty = compatible.
 */
export function compatibilityMessages(
  level: CompatibilityLevel,
  candidate: AvroNode,
  previous: PreviousSchema[],
): string[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? [...previous].reverse() : previous.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const messages: string[] = [];
  for (const prev of against) {
    const problems: string[] = [];
    if (backward) {
      for (const p of readProblems(candidate, prev.schema)) problems.push(describeProblem(p, true));
    }
    if (forward) {
      for (const p of readProblems(prev.schema, candidate)) problems.push(describeProblem(p, false));
    }
    for (const problem of new Set(problems)) {
      messages.push(`the new schema is not ${level} compatible with version ${prev.version}: ${problem}`);
    }
  }
  return messages;
}
