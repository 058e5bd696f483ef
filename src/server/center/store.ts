// The config center's store: each project's versions (weir.yaml plus its UDF files), immutable and
// numbered, with author, message and time, in one SQLite file (node:sqlite, built into Node). Several
// `weir serve` processes may share the file: a publish takes the next number inside a write
// transaction, so two publishers never get the same one.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { filesHash } from '../../config/project-files.ts';

export interface VersionMeta {
  project: string;
  version: number;
  author: string;
  message: string;
  /** ISO time of the publish. */
  created: string;
  /** SHA-256 of the files (path and text, sorted by path): equal for equal contents. */
  sha256: string;
  /** Schema changes accepted with --allow-incompatible (or by a rollback); absent when none. */
  incompatible?: { path: string; message: string }[];
}

export interface ProjectVersion extends VersionMeta {
  /** Path in the project folder → text; weir.yaml among them. */
  files: Record<string, string>;
}

interface Row {
  project: string;
  version: number;
  author: string;
  message: string;
  created: string;
  sha256: string;
  incompatible?: string;
  files?: string;
}

const meta = (r: Row): VersionMeta => ({
  project: r.project,
  version: r.version,
  author: r.author,
  message: r.message,
  created: r.created,
  sha256: r.sha256,
  ...(r.incompatible && r.incompatible !== '[]' ? { incompatible: JSON.parse(r.incompatible) } : {}),
});

export class ConfigStore {
  readonly #db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Opens (creating) the store at `file`; ':memory:' for tests. */
  static open(file: string): ConfigStore {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const db = new DatabaseSync(file);
    db.exec(`PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS versions (
        project TEXT NOT NULL, version INTEGER NOT NULL, author TEXT NOT NULL, message TEXT NOT NULL,
        created TEXT NOT NULL, sha256 TEXT NOT NULL, files TEXT NOT NULL,
        PRIMARY KEY (project, version)) STRICT;
      CREATE TABLE IF NOT EXISTS worker_reports (
        project TEXT NOT NULL, id TEXT NOT NULL, received TEXT NOT NULL, report TEXT NOT NULL,
        PRIMARY KEY (project, id)) STRICT`);
    // Stores made before schema-change checks lack the column.
    const columns = db.prepare('PRAGMA table_info(versions)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'incompatible'))
      db.exec("ALTER TABLE versions ADD COLUMN incompatible TEXT NOT NULL DEFAULT '[]'");
    return new ConfigStore(db);
  }

  projects(): { name: string; latest: number }[] {
    const rows = this.#db
      .prepare(
        'SELECT project AS name, max(version) AS latest FROM versions GROUP BY project ORDER BY project',
      )
      .all() as { name: string; latest: number }[];
    return rows.map((r) => ({ name: r.name, latest: Number(r.latest) }));
  }

  versions(project: string): VersionMeta[] {
    const rows = this.#db
      .prepare(
        'SELECT project, version, author, message, created, sha256, incompatible FROM versions WHERE project = ? ORDER BY version',
      )
      .all(project) as unknown as Row[];
    return rows.map(meta);
  }

  /** The latest version's number (0 when there is none): cheap enough to poll. */
  latestNumber(project: string): number {
    const row = this.#db
      .prepare('SELECT coalesce(max(version), 0) AS latest FROM versions WHERE project = ?')
      .get(project) as { latest: number };
    return Number(row.latest);
  }

  /** A version by number, or the latest; undefined when there is none. */
  get(project: string, version: number | 'latest'): ProjectVersion | undefined {
    const row = (version === 'latest'
      ? this.#db
          .prepare('SELECT * FROM versions WHERE project = ? ORDER BY version DESC LIMIT 1')
          .get(project)
      : this.#db
          .prepare('SELECT * FROM versions WHERE project = ? AND version = ?')
          .get(project, version)) as unknown as Row | undefined;
    if (!row) return undefined;
    return { ...meta(row), files: JSON.parse(row.files!) as Record<string, string> };
  }

  /** Adds the next version of `project` (already validated by the caller). */
  add(
    project: string,
    files: Record<string, string>,
    by: { author: string; message: string },
    incompatible: { path: string; message: string }[] = [],
  ): VersionMeta {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const { next } = this.#db
        .prepare('SELECT coalesce(max(version), 0) + 1 AS next FROM versions WHERE project = ?')
        .get(project) as { next: number };
      const row: Row = {
        project,
        version: Number(next),
        author: by.author,
        message: by.message,
        created: new Date().toISOString(),
        sha256: filesHash(files),
        incompatible: JSON.stringify(incompatible),
      };
      this.#db
        .prepare(
          'INSERT INTO versions (project, version, author, message, created, sha256, files, incompatible) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          row.project,
          row.version,
          row.author,
          row.message,
          row.created,
          row.sha256,
          JSON.stringify(files),
          row.incompatible!,
        );
      this.#db.exec('COMMIT');
      return meta(row);
    } catch (e) {
      this.#db.exec('ROLLBACK');
      throw e;
    }
  }

  /** Keeps the latest report of follower `id` of `project` (a `weir run --from`). */
  report(project: string, id: string, report: unknown): { received: string } {
    const received = new Date().toISOString();
    this.#db
      .prepare('INSERT OR REPLACE INTO worker_reports VALUES (?, ?, ?, ?)')
      .run(project, id, received, JSON.stringify(report));
    return { received };
  }

  /** Every follower's latest report of `project`, by id. */
  reports(project: string): { id: string; received: string; report: unknown }[] {
    const rows = this.#db
      .prepare('SELECT id, received, report FROM worker_reports WHERE project = ? ORDER BY id')
      .all(project) as { id: string; received: string; report: string }[];
    return rows.map((r) => ({ id: r.id, received: r.received, report: JSON.parse(r.report) }));
  }

  close(): void {
    this.#db.close();
  }
}
