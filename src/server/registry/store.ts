// The schema registry store: subjects → versions → global schema ids, with Confluent's semantics
// (ids reused for the same schema across subjects, soft then hard delete, compatibility levels).
// State lives in memory and is written to one JSON file (writeFileAtomic) after every change.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/fs.ts';
import { type CompatibilityLevel, compatibilityMessages, isCompatibilityLevel } from './compatibility.ts';
import { type AvroNode, canonicalForm, InvalidSchemaError, parseAvroSchema } from './schema.ts';

/** An error with Confluent's HTTP status and error_code. */
export class RegistryError extends Error {
  readonly status: number;
  readonly errorCode: number;
  constructor(status: number, errorCode: number, message: string) {
    super(message);
    this.name = 'RegistryError';
    this.status = status;
    this.errorCode = errorCode;
  }
}

export interface SchemaVersion {
  subject: string;
  id: number;
  version: number;
  schema: string;
}

interface SchemaEntry {
  id: number;
  /** The text as first registered. */
  schema: string;
  canonical: string;
}

interface VersionEntry {
  version: number;
  id: number;
  deleted: boolean;
}

interface SubjectEntry {
  versions: VersionEntry[];
  compatibility?: CompatibilityLevel;
}

interface State {
  format: 1;
  nextId: number;
  compatibility: CompatibilityLevel;
  schemas: SchemaEntry[];
  subjects: Record<string, SubjectEntry>;
}

export const STORE_FILE = 'registry.json';
/** Larger schemas are refused (413): a 100 MB schema cost ~900 MB of memory. */
export const MAX_SCHEMA_BYTES = 1024 * 1024;

/** Subjects by name, with no prototype: a subject named __proto__ or constructor is just a name. */
function subjectMap(from: Record<string, SubjectEntry> = {}): Record<string, SubjectEntry> {
  const map: Record<string, SubjectEntry> = Object.create(null);
  for (const [name, entry] of Object.entries(from)) map[name] = entry;
  return map;
}
const MAX_VERSION = 2 ** 31 - 1;

export class Registry {
  private state: State;
  private readonly file: string | undefined;
  private readonly parsed = new Map<number, AvroNode>();
  private saving: Promise<void> = Promise.resolve();

  private constructor(state: State, file: string | undefined) {
    this.state = state;
    this.file = file;
  }

  /** Opens the store kept in `dir` (created if missing); without `dir`, an in-memory store. */
  static async open(dir?: string): Promise<Registry> {
    if (dir === undefined) return new Registry(emptyState(), undefined);
    await mkdir(dir, { recursive: true });
    const file = join(dir, STORE_FILE);
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text === undefined) return new Registry(emptyState(), file);
    let state: State;
    try {
      state = JSON.parse(text) as State;
    } catch (err) {
      throw new Error(`the schema registry store ${file} is damaged: ${(err as Error).message}`);
    }
    if (state.format !== 1 || !Array.isArray(state.schemas) || typeof state.subjects !== 'object') {
      throw new Error(`the schema registry store ${file} is not a Weir registry file (format 1)`);
    }
    return new Registry({ ...state, subjects: subjectMap(state.subjects) }, file);
  }

  // --- subjects and versions ---

  subjects(includeDeleted = false): string[] {
    return Object.entries(this.state.subjects)
      .filter(([, s]) => includeDeleted || s.versions.some((v) => !v.deleted))
      .map(([name]) => name)
      .sort();
  }

  versions(subject: string, includeDeleted = false): number[] {
    return this.subject(subject, includeDeleted)
      .versions.filter((v) => includeDeleted || !v.deleted)
      .map((v) => v.version);
  }

  version(subject: string, version: string | number, includeDeleted = false): SchemaVersion {
    const entry = this.versionEntry(subject, version, includeDeleted);
    return { subject, id: entry.id, version: entry.version, schema: this.schemaText(entry.id) };
  }

  /** Registers `schema` under `subject` (a no-op returning the id when it is already there). */
  async register(
    subject: string,
    schema: string,
    schemaType?: string,
    references?: unknown[],
  ): Promise<number> {
    if (typeof schema === 'string' && Buffer.byteLength(schema) > MAX_SCHEMA_BYTES) {
      throw new RegistryError(
        413,
        413,
        `The schema is ${Buffer.byteLength(schema)} bytes; the registry keeps schemas up to 1 MiB`,
      );
    }
    const node = this.parse(schema, schemaType, references);
    const canonical = canonicalForm(node);
    const s = this.state.subjects[subject];
    const live = s?.versions.filter((v) => !v.deleted) ?? [];
    const existing = live.find((v) => this.canonicalOf(v.id) === canonical);
    if (existing) return existing.id;

    const messages = compatibilityMessages(
      this.effectiveCompatibility(subject),
      node,
      live.map((v) => ({ version: v.version, schema: this.node(v.id) })),
    );
    if (messages.length > 0) {
      throw new RegistryError(
        409,
        409,
        `Schema being registered is incompatible with an earlier schema for subject "${subject}", ` +
          `details: ${messages.join('; ')}`,
      );
    }
    return this.change(() => {
      let entry = this.state.schemas.find((e) => e.canonical === canonical);
      if (!entry) {
        entry = { id: this.state.nextId++, schema, canonical };
        this.state.schemas.push(entry);
      }
      this.state.subjects[subject] ??= { versions: [] };
      const subj = this.state.subjects[subject];
      const next = Math.max(0, ...subj.versions.map((v) => v.version)) + 1;
      subj.versions.push({ version: next, id: entry.id, deleted: false });
      return entry.id;
    });
  }

  /** The version of `subject` holding this schema (POST /subjects/{s}). */
  lookup(subject: string, schema: string, schemaType?: string, includeDeleted = false): SchemaVersion {
    const canonical = canonicalForm(this.parse(schema, schemaType, undefined));
    const s = this.subject(subject, includeDeleted);
    const found = [...s.versions]
      .reverse()
      .find((v) => (includeDeleted || !v.deleted) && this.canonicalOf(v.id) === canonical);
    if (!found) throw new RegistryError(404, 40403, 'Schema not found');
    return { subject, id: found.id, version: found.version, schema: this.schemaText(found.id) };
  }

  // --- schemas by id ---

  schemaById(id: number): { schema: string } {
    if (!this.usages(id, true).length) throw new RegistryError(404, 40403, `Schema ${id} not found`);
    return { schema: this.schemaText(id) };
  }

  usages(id: number, includeDeleted = false): { subject: string; version: number }[] {
    const out: { subject: string; version: number }[] = [];
    for (const [subject, s] of Object.entries(this.state.subjects)) {
      for (const v of s.versions) {
        if (v.id === id && (includeDeleted || !v.deleted)) out.push({ subject, version: v.version });
      }
    }
    return out;
  }

  // --- deletes ---

  /** Soft-deletes every version of a subject, or (permanent, after a soft delete) removes it. */
  async deleteSubject(subject: string, permanent = false): Promise<number[]> {
    const s = this.state.subjects[subject];
    if (!s || s.versions.length === 0) throw subjectNotFound(subject);
    const allDeleted = s.versions.every((v) => v.deleted);
    if (!permanent) {
      if (allDeleted) {
        throw new RegistryError(
          404,
          40404,
          `Subject '${subject}' was soft deleted. Set permanent=true to delete permanently`,
        );
      }
      return this.change(() => {
        const deleted = s.versions.filter((v) => !v.deleted).map((v) => v.version);
        for (const v of s.versions) v.deleted = true;
        return deleted;
      });
    }
    if (!allDeleted) {
      throw new RegistryError(
        404,
        40405,
        `Subject '${subject}' was not deleted first before being permanently deleted`,
      );
    }
    return this.change(() => {
      delete this.state.subjects[subject];
      return s.versions.map((v) => v.version);
    });
  }

  /** Soft-deletes one version, or (permanent, after a soft delete) removes it. */
  async deleteVersion(subject: string, version: string | number, permanent = false): Promise<number> {
    const entry = this.versionEntry(subject, version, permanent);
    if (!permanent) {
      if (entry.deleted) {
        throw new RegistryError(
          404,
          40406,
          `Subject '${subject}' Version ${entry.version} was soft deleted. Set permanent=true to delete permanently`,
        );
      }
      return this.change(() => {
        entry.deleted = true;
        return entry.version;
      });
    }
    if (!entry.deleted) {
      throw new RegistryError(
        404,
        40407,
        `Subject '${subject}' Version ${entry.version} was not deleted first before being permanently deleted`,
      );
    }
    return this.change(() => {
      const s = this.state.subjects[subject]!;
      s.versions = s.versions.filter((v) => v !== entry);
      if (s.versions.length === 0 && s.compatibility === undefined) delete this.state.subjects[subject];
      return entry.version;
    });
  }

  // --- compatibility config ---

  globalCompatibility(): CompatibilityLevel {
    return this.state.compatibility;
  }

  /** The subject's own level; undefined when it has none (then the global level applies). */
  subjectCompatibility(subject: string): CompatibilityLevel | undefined {
    return this.state.subjects[subject]?.compatibility;
  }

  effectiveCompatibility(subject: string): CompatibilityLevel {
    return this.subjectCompatibility(subject) ?? this.state.compatibility;
  }

  /** Sets the level of a subject, or the global level when `subject` is undefined. */
  async setCompatibility(subject: string | undefined, level: unknown): Promise<CompatibilityLevel> {
    if (!isCompatibilityLevel(level)) {
      throw new RegistryError(
        422,
        42203,
        `Invalid compatibility level ${JSON.stringify(level)}; use NONE, BACKWARD, FORWARD, FULL, ` +
          'BACKWARD_TRANSITIVE, FORWARD_TRANSITIVE or FULL_TRANSITIVE',
      );
    }
    return this.change(() => {
      if (subject === undefined) this.state.compatibility = level;
      else {
        this.state.subjects[subject] ??= { versions: [] };
        this.state.subjects[subject].compatibility = level;
      }
      return level;
    });
  }

  /** Removes a subject's own level; returns the level it had. */
  async deleteCompatibility(subject: string): Promise<CompatibilityLevel> {
    const s = this.state.subjects[subject];
    if (!s) throw subjectNotFound(subject);
    const had = s.compatibility ?? this.state.compatibility;
    return this.change(() => {
      delete s.compatibility;
      if (s.versions.length === 0) delete this.state.subjects[subject];
      return had;
    });
  }

  /**
   * Would `schema` be accepted by `subject`? Against one version (`version` given: that version
   * only, in the level's direction) or, without a version, every version the level checks.
   */
  testCompatibility(
    subject: string,
    version: string | number | undefined,
    schema: string,
    schemaType?: string,
  ) {
    const node = this.parse(schema, schemaType, undefined);
    const level = this.effectiveCompatibility(subject);
    let previous: VersionEntry[];
    if (version === undefined) {
      previous = this.state.subjects[subject]?.versions.filter((v) => !v.deleted) ?? [];
    } else {
      previous = [this.versionEntry(subject, version, false)];
    }
    // against one chosen version, transitivity does not matter
    const effective =
      version === undefined ? level : (level.replace('_TRANSITIVE', '') as CompatibilityLevel);
    const messages = compatibilityMessages(
      effective,
      node,
      previous.map((v) => ({ version: v.version, schema: this.node(v.id) })),
    );
    return { compatible: messages.length === 0, messages };
  }

  // --- internals ---

  private parse(schema: unknown, schemaType: unknown, references: unknown[] | undefined): AvroNode {
    if (schemaType !== undefined && schemaType !== null && schemaType !== 'AVRO') {
      throw new RegistryError(
        422,
        42201,
        `Invalid schema: schema type ${JSON.stringify(schemaType)} is not supported; Weir's registry accepts only AVRO`,
      );
    }
    if (references !== undefined && references.length > 0) {
      throw new RegistryError(422, 42201, 'Invalid schema: schema references are not supported');
    }
    if (typeof schema !== 'string') {
      throw new RegistryError(
        422,
        42201,
        'Invalid schema: the request needs "schema", the schema as a string',
      );
    }
    try {
      return parseAvroSchema(schema);
    } catch (err) {
      if (err instanceof InvalidSchemaError)
        throw new RegistryError(422, 42201, `Invalid schema: ${err.message}`);
      throw err;
    }
  }

  private subject(subject: string, includeDeleted: boolean): SubjectEntry {
    const s = this.state.subjects[subject];
    if (!s || s.versions.length === 0 || (!includeDeleted && s.versions.every((v) => v.deleted))) {
      throw subjectNotFound(subject);
    }
    return s;
  }

  private versionEntry(subject: string, version: string | number, includeDeleted: boolean): VersionEntry {
    const s = this.subject(subject, includeDeleted);
    const wanted = parseVersion(version);
    const candidates = s.versions.filter((v) => includeDeleted || !v.deleted);
    const entry =
      wanted === 'latest' ? candidates[candidates.length - 1] : candidates.find((v) => v.version === wanted);
    if (!entry) throw new RegistryError(404, 40402, `Version ${version} not found.`);
    return entry;
  }

  private schemaEntry(id: number): SchemaEntry {
    const e = this.state.schemas.find((x) => x.id === id);
    if (!e) throw new RegistryError(404, 40403, `Schema ${id} not found`);
    return e;
  }

  private schemaText(id: number): string {
    return this.schemaEntry(id).schema;
  }

  private canonicalOf(id: number): string {
    return this.schemaEntry(id).canonical;
  }

  private node(id: number): AvroNode {
    let n = this.parsed.get(id);
    if (!n) {
      n = parseAvroSchema(this.schemaText(id));
      this.parsed.set(id, n);
    }
    return n;
  }

  /** Applies a mutation and persists it; on a failed write the mutation is undone. */
  private async change<T>(mutate: () => T): Promise<T> {
    const before = {
      ...structuredClone(this.state),
      subjects: subjectMap(structuredClone(this.state.subjects)),
    };
    const result = mutate();
    if (this.file === undefined) return result;
    const text = JSON.stringify(this.state);
    const file = this.file;
    const write = this.saving.then(async () => {
      await writeFileAtomic(file, text);
    });
    this.saving = write.catch(() => {});
    try {
      await write;
    } catch (err) {
      this.state = before;
      throw new RegistryError(500, 50001, `Error in the backend data store: ${(err as Error).message}`);
    }
    return result;
  }
}

function emptyState(): State {
  return { format: 1, nextId: 1, compatibility: 'BACKWARD', schemas: [], subjects: subjectMap() };
}

function subjectNotFound(subject: string): RegistryError {
  return new RegistryError(404, 40401, `Subject '${subject}' not found.`);
}

function parseVersion(v: string | number): number | 'latest' {
  if (v === 'latest' || v === '-1' || v === -1) return 'latest';
  const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_VERSION) {
    throw new RegistryError(
      422,
      42202,
      `The specified version '${v}' is not a valid version id. Allowed values are between [1, ${MAX_VERSION}] and the string "latest"`,
    );
  }
  return n;
}
