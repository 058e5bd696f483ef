// Avro schemas as the registry sees them: validated (avsc), parsed into a graph with every name
// resolved, and printed in a canonical form that decides whether two schemas are "the same".
import avro from 'avsc';

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

export type AvroNode =
  | { type: 'primitive'; name: string; logical?: LogicalAttrs }
  | AvroRecordNode
  | { type: 'enum'; name: string; aliases: string[]; symbols: string[]; default?: string }
  | { type: 'fixed'; name: string; aliases: string[]; size: number; logical?: LogicalAttrs }
  | { type: 'array'; items: AvroNode }
  | { type: 'map'; values: AvroNode }
  | { type: 'union'; branches: AvroNode[] };

export interface AvroRecordNode {
  type: 'record';
  name: string;
  aliases: string[];
  fields: AvroFieldNode[];
}

export interface AvroFieldNode {
  name: string;
  type: AvroNode;
  aliases: string[];
  hasDefault: boolean;
  default?: unknown;
}

export interface LogicalAttrs {
  logicalType: string;
  precision?: number;
  scale?: number;
}

/** A schema the registry refuses (Confluent error 42201). */
export class InvalidSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSchemaError';
  }
}

/** Parses and validates Avro schema text (JSON). Throws InvalidSchemaError with a plain message. */
export function parseAvroSchema(text: string): AvroNode {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidSchemaError(`the schema is not valid JSON: ${(err as Error).message}`);
  }
  try {
    avro.Type.forSchema(json as Parameters<typeof avro.Type.forSchema>[0]);
  } catch (err) {
    throw new InvalidSchemaError(`the schema is not a valid Avro schema: ${(err as Error).message}`);
  }
  return new Resolver().node(json, '');
}

class Resolver {
  private readonly named = new Map<string, AvroNode>();

  node(s: unknown, namespace: string): AvroNode {
    if (typeof s === 'string') return this.reference(s, namespace);
    if (Array.isArray(s)) return { type: 'union', branches: s.map((b) => this.node(b, namespace)) };
    const o = s as Record<string, unknown>;
    const type = o.type;
    // `{"type": {...}}` wraps an inline definition
    if (typeof type !== 'string') return this.node(type, namespace);
    if (PRIMITIVES.has(type)) {
      const logical = logicalAttrs(o);
      return logical ? { type: 'primitive', name: type, logical } : { type: 'primitive', name: type };
    }
    switch (type) {
      case 'array':
        return { type: 'array', items: this.node(o.items, namespace) };
      case 'map':
        return { type: 'map', values: this.node(o.values, namespace) };
      case 'record':
      case 'error':
      case 'enum':
      case 'fixed':
        return this.named_(o, type, namespace);
      default:
        return this.reference(type, namespace);
    }
  }

  private named_(o: Record<string, unknown>, type: string, enclosing: string): AvroNode {
    const name = fullName(o.name as string, o.namespace as string | undefined, enclosing);
    const ns = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '';
    const aliases = ((o.aliases as string[] | undefined) ?? []).map((a) => fullName(a, undefined, ns));
    if (type === 'enum') {
      const node: AvroNode = { type: 'enum', name, aliases, symbols: [...(o.symbols as string[])] };
      if (typeof o.default === 'string') node.default = o.default;
      this.named.set(name, node);
      return node;
    }
    if (type === 'fixed') {
      const logical = logicalAttrs(o);
      const node: AvroNode = { type: 'fixed', name, aliases, size: o.size as number };
      if (logical) node.logical = logical;
      this.named.set(name, node);
      return node;
    }
    // registered before its fields so recursive references resolve to it
    const node: AvroRecordNode = { type: 'record', name, aliases, fields: [] };
    this.named.set(name, node);
    for (const f of o.fields as Record<string, unknown>[]) {
      const field: AvroFieldNode = {
        name: f.name as string,
        type: this.node(f.type, ns),
        aliases: [...((f.aliases as string[] | undefined) ?? [])],
        hasDefault: 'default' in f,
      };
      if ('default' in f) field.default = f.default;
      node.fields.push(field);
    }
    return node;
  }

  private reference(name: string, namespace: string): AvroNode {
    if (PRIMITIVES.has(name)) return { type: 'primitive', name };
    const found = this.named.get(qualify(name, namespace)) ?? this.named.get(name);
    if (!found) throw new InvalidSchemaError(`the schema refers to an undefined type "${name}"`);
    return found;
  }
}

function qualify(name: string, namespace: string): string {
  return name.includes('.') || namespace === '' ? name : `${namespace}.${name}`;
}

function fullName(name: string, namespace: string | undefined, enclosing: string): string {
  if (name.includes('.')) return name;
  const ns = namespace ?? enclosing;
  return ns ? `${ns}.${name}` : name;
}

function logicalAttrs(o: Record<string, unknown>): LogicalAttrs | undefined {
  if (typeof o.logicalType !== 'string') return undefined;
  const attrs: LogicalAttrs = { logicalType: o.logicalType };
  if (typeof o.precision === 'number') attrs.precision = o.precision;
  if (typeof o.scale === 'number') attrs.scale = o.scale;
  return attrs;
}

/**
 * The canonical text of a schema: Avro's Parsing Canonical Form (full names, no namespace or doc,
 * fixed key order, no whitespace) extended with what changes how data resolves — field defaults,
 * aliases and logical types. Two schemas with the same canonical text are the same registry schema.
 */
export function canonicalForm(node: AvroNode): string {
  const seen = new Set<string>();
  const emit = (n: AvroNode): string => {
    switch (n.type) {
      case 'primitive':
        return n.logical
          ? `{"type":${JSON.stringify(n.name)}${logicalText(n.logical)}}`
          : JSON.stringify(n.name);
      case 'array':
        return `{"type":"array","items":${emit(n.items)}}`;
      case 'map':
        return `{"type":"map","values":${emit(n.values)}}`;
      case 'union':
        return `[${n.branches.map(emit).join(',')}]`;
      default: {
        if (seen.has(n.name)) return JSON.stringify(n.name);
        seen.add(n.name);
        const head = `{"name":${JSON.stringify(n.name)},"type":"${n.type}"`;
        const aliases = n.aliases.length ? `,"aliases":${JSON.stringify([...n.aliases].sort())}` : '';
        if (n.type === 'enum') {
          const def = n.default !== undefined ? `,"default":${JSON.stringify(n.default)}` : '';
          return `${head},"symbols":${JSON.stringify(n.symbols)}${def}${aliases}}`;
        }
        if (n.type === 'fixed') {
          return `${head},"size":${n.size}${n.logical ? logicalText(n.logical) : ''}${aliases}}`;
        }
        const fields = n.fields.map((f) => {
          const def = f.hasDefault ? `,"default":${stableJson(f.default)}` : '';
          const fa = f.aliases.length ? `,"aliases":${JSON.stringify([...f.aliases].sort())}` : '';
          return `{"name":${JSON.stringify(f.name)},"type":${emit(f.type)}${def}${fa}}`;
        });
        return `${head},"fields":[${fields.join(',')}]${aliases}}`;
      }
    }
  };
  return emit(node);
}

function logicalText(l: LogicalAttrs): string {
  return (
    `,"logicalType":${JSON.stringify(l.logicalType)}` +
    (l.precision !== undefined ? `,"precision":${l.precision}` : '') +
    (l.scale !== undefined ? `,"scale":${l.scale}` : '')
  );
}

function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(',')}}`;
}

/** A short human name of a schema node, for messages: `double`, `record Login`, `array<string>`. */
export function describeNode(n: AvroNode): string {
  switch (n.type) {
    case 'primitive':
      return n.logical ? `${n.name} (${n.logical.logicalType})` : n.name;
    case 'array':
      return `array<${describeNode(n.items)}>`;
    case 'map':
      return `map<${describeNode(n.values)}>`;
    case 'union': {
      const nonNull = n.branches.filter((b) => !(b.type === 'primitive' && b.name === 'null'));
      if (nonNull.length === 1 && n.branches.length === 2) return `nullable ${describeNode(nonNull[0]!)}`;
      return `union [${n.branches.map(describeNode).join(', ')}]`;
    }
    default:
      return `${n.type} ${n.name}`;
  }
}
