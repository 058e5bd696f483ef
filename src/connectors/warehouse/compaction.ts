// Compaction: the small committed files of one partition folder merged into files of about a
// target size, while writers keep committing into the folder, atomic for readers and exactly once
// across crashes.
//
// Readers find a partition through its locator (the catalog's partition location; the error
// store's own location file). Steps, each recorded in a ledger before the next begins:
//   1. merging   the inputs are merged into hidden files in the folder (.part-c<id>-N.<ext>.compacting)
//   2. merged    holding the folder's lock (commits wait, see commit.ts): every committed file is
//                hard-linked into a detour folder, and the locator pointed at it — readers now see
//                the same files there while the folder changes
//   3. detoured  a marker in the folder names the detour folder: commits link their files into it
//                too, so they show at once. After a short listing grace, holding the lock again:
//                the merged files get their final names, the inputs are deleted, the locator points
//                home again, the marker goes
//   4. swapped   the detour folder (the old files, still readable by queries that began before) is
//                deleted once the grace period is over; then the ledger
// A rerun after a crash resumes every ledger from its step; a merge cut short is started over.
import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { syncDir, writeFileAtomic } from '../../core/fs.ts';
import { FORMAT_EXTENSION, type WarehouseFormat } from './data-file.ts';
import { tryLockDir, withDirLock } from './dir-lock.ts';
import { mergeDataFiles, mergeKey } from './merge.ts';

/** Where readers find one partition's files. */
export interface PartitionLocator {
  get(): Promise<string | undefined>;
  set(location: string): Promise<void>;
}

export interface CompactionSettings {
  /** Files of at least this size are left alone; merged files are cut at about this size. */
  target_bytes: number;
  /** A partition is compacted once it has this many small files (of one schema). */
  min_files: number;
  /** Replaced files stay readable (in the detour folder) this long after the swap. */
  grace_seconds: number;
}

/** One partition folder to compact: where writers commit, and how readers find it. */
export interface PartitionTarget {
  /** For messages and ledgers, e.g. `game.login` or `error store`. */
  table: string;
  format: WarehouseFormat;
  values: Record<string, string>;
  /** The partition folder writers commit into. */
  dir: string;
  /** Its path under the table's location (`dt=2026-12-01`; '' unpartitioned), kept in the detour folder. */
  rel: string;
  locator: PartitionLocator;
  /** Where readers found it when it was listed (weir status reads this instead of asking the locator per partition). */
  listedAt?: string;
  /** The table's compaction folder (ledgers, detour folders): `<table location>/_weir_compactions`. */
  home: string;
}

export type CompactionStep = 'merging' | 'merged' | 'detoured' | 'swapped';

export interface CompactionLedger {
  format: 1;
  id: string;
  table: string;
  values: Record<string, string>;
  dir: string;
  rel: string;
  /** Names of the merged files in `dir`. */
  inputs: string[];
  inputBytes: number;
  outputs: { hidden: string; final: string; rows: number; bytes: number }[];
  step: CompactionStep;
  created: string;
  /** The folder readers were pointed at during the swap. */
  detour?: string;
  /** After this time (ms) the detour folder is deleted. */
  graceUntil?: number;
}

export interface CompactionResult {
  id: string;
  table: string;
  values: Record<string, string>;
  inputs: number;
  inputBytes: number;
  outputs: number;
  outputBytes: number;
  rows: number;
  /** The whole compaction, listing grace included. */
  seconds: number;
  /** Merging alone: compaction throughput is inputBytes / mergeSeconds. */
  mergeSeconds: number;
}

/**
 * A partition folder's marker naming its detour folder while readers read there: every file
 * committed meanwhile is linked into it as well (commitFiles), so no committed row is ever hidden.
 */
export const DETOUR_MARKER = '.weir-detour';

/** How long readers that looked the location up just before the detour get to list the folder. */
export const LISTING_GRACE_MS = Number(process.env.WEIR_TEST_LISTING_GRACE_MS ?? 1000);

/**
 * Test hooks: WEIR_TEST_COMPACT_CRASH=<step> kills the process (SIGKILL) as the ledger reaches that
 * step; WEIR_TEST_COMPACT_DELAY_MS=<ms> waits that long at every step (for kills at random moments).
 */
async function reached(step: string): Promise<void> {
  if (process.env.WEIR_TEST_COMPACT_CRASH === step) process.kill(process.pid, 'SIGKILL');
  const delay = Number(process.env.WEIR_TEST_COMPACT_DELAY_MS) || 0;
  if (delay > 0) await sleep(delay);
}

export interface DataFileInfo {
  name: string;
  bytes: number;
  mtimeMs: number;
}

/** The committed data files of a folder: dot- and underscore-names are in progress or metadata. */
export async function committedFiles(dir: string): Promise<DataFileInfo[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: DataFileInfo[] = [];
  for (const e of entries) {
    if (!e.isFile() || e.name.startsWith('.') || e.name.startsWith('_')) continue;
    const s = await stat(join(dir, e.name)).catch(() => undefined);
    if (s) out.push({ name: e.name, bytes: s.size, mtimeMs: s.mtimeMs });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The newest change in a folder, in-progress files included: when it last received rows. */
export async function lastWrite(dir: string): Promise<number> {
  let newest = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const s = await stat(join(dir, name)).catch(() => undefined);
    if (s?.isFile()) newest = Math.max(newest, s.mtimeMs);
  }
  return newest;
}

const ledgerPath = (home: string, id: string) => join(home, `${id}.json`);

async function save(home: string, ledger: CompactionLedger): Promise<void> {
  await writeFileAtomic(ledgerPath(home, ledger.id), JSON.stringify(ledger, null, 2));
}

export async function listLedgers(home: string): Promise<CompactionLedger[]> {
  const out: CompactionLedger[] = [];
  for (const name of (await readdir(home).catch(() => [] as string[])).sort()) {
    if (!/^c[0-9a-z]+\.json$/.test(name)) continue;
    out.push(JSON.parse(await readFile(join(home, name), 'utf8')) as CompactionLedger);
  }
  return out;
}

/** Groups of small files that compaction would merge now (one group per file schema). */
export async function plan(
  t: Pick<PartitionTarget, 'dir' | 'format'>,
  s: Pick<CompactionSettings, 'target_bytes' | 'min_files'>,
): Promise<DataFileInfo[][]> {
  const small = (await committedFiles(t.dir)).filter((f) => f.bytes < s.target_bytes);
  const groups = new Map<string, DataFileInfo[]>();
  for (const f of small) {
    const key = await mergeKey(t.format, join(t.dir, f.name)).catch(() => undefined);
    if (key === undefined) continue; // unreadable (foreign?) files are left alone
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()].filter((g) => g.length >= Math.max(2, s.min_files));
}

/** A merge done (step `merged`), on its way to the swap. */
export interface Merged {
  ledger: CompactionLedger;
  locator: PartitionLocator;
  result: CompactionResult;
}

/**
 * Step 1 for a partition: every group `plan` finds merged into hidden files, one ledger each. None
 * when nothing is due, or the partition is read from elsewhere (e.g. during a backfill).
 */
export async function mergePartition(t: PartitionTarget, s: CompactionSettings): Promise<Merged[]> {
  if ((await t.locator.get()) !== t.dir) return [];
  const out: Merged[] = [];
  for (const group of await plan(t, s)) {
    const started = Date.now();
    const id = `c${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const ext = FORMAT_EXTENSION[t.format];
    const ledger: CompactionLedger = {
      format: 1,
      id,
      table: t.table,
      values: t.values,
      dir: t.dir,
      rel: t.rel,
      inputs: group.map((f) => f.name),
      inputBytes: group.reduce((n, f) => n + f.bytes, 0),
      outputs: [],
      step: 'merging',
      created: new Date().toISOString(),
    };
    await mkdir(t.home, { recursive: true });
    await save(t.home, ledger);
    await reached('merging');
    const name = (i: number) => `part-${id}-${String(i).padStart(5, '0')}${ext}`;
    const mergeStarted = performance.now();
    const merged = await mergeDataFiles({
      format: t.format,
      inputs: group.map((f) => join(t.dir, f.name)),
      targetBytes: s.target_bytes,
      output: (i) => join(t.dir, `.${name(i)}.compacting`),
    });
    ledger.outputs = merged.map((m, i) => ({
      hidden: basename(m.path),
      final: name(i),
      rows: m.rows,
      bytes: m.bytes,
    }));
    await syncDir(t.dir);
    const mergeSeconds = (performance.now() - mergeStarted) / 1000;
    ledger.step = 'merged';
    await save(t.home, ledger);
    await reached('merged');
    out.push({
      ledger,
      locator: t.locator,
      result: {
        id,
        table: t.table,
        values: t.values,
        inputs: ledger.inputs.length,
        inputBytes: ledger.inputBytes,
        outputs: ledger.outputs.length,
        outputBytes: ledger.outputs.reduce((n, o) => n + o.bytes, 0),
        rows: ledger.outputs.reduce((n, o) => n + o.rows, 0),
        seconds: (Date.now() - started) / 1000,
        mergeSeconds,
      },
    });
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Drops a compaction that cannot go on (a merge cut short, inputs gone): its merged files go. */
async function abandon(home: string, ledger: CompactionLedger): Promise<void> {
  const marker = join(ledger.dir, DETOUR_MARKER);
  const to = await readFile(marker, 'utf8').catch(() => undefined);
  if (to?.startsWith(join(home, ledger.id))) await rm(marker, { force: true });
  await rm(join(home, ledger.id), { recursive: true, force: true });
  for (const name of await readdir(ledger.dir).catch(() => [] as string[]))
    if (name.startsWith(`.part-${ledger.id}-`)) await rm(join(ledger.dir, name), { force: true });
  await rm(ledgerPath(home, ledger.id), { force: true });
}

/** Step 2, holding the folder's lock: readers pointed at a detour folder holding every committed file. */
async function detour(home: string, ledger: CompactionLedger, locator: PartitionLocator): Promise<boolean> {
  const { dir } = ledger;
  const to = join(home, ledger.id, ledger.rel);
  return withDirLock(dir, async () => {
    // Someone else replaced the inputs (e.g. a backfill's finalize): this merge is not needed.
    for (const input of ledger.inputs) if (!(await exists(join(dir, input)))) return false;
    await mkdir(to, { recursive: true });
    for (const f of await committedFiles(dir)) {
      await link(join(dir, f.name), join(to, f.name)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
    }
    await syncDir(to);
    // Commits from now on are linked into the detour folder too (commit.ts), so they show at once.
    await writeFileAtomic(join(dir, DETOUR_MARKER), to);
    await locator.set(to);
    ledger.step = 'detoured';
    ledger.detour = to;
    await save(home, ledger);
    return true;
  });
}

/** Step 3, holding the folder's lock: merged files in, inputs out, readers pointed home. */
async function swapHome(
  home: string,
  ledger: CompactionLedger,
  locator: PartitionLocator,
  graceSeconds: number,
): Promise<void> {
  const { dir } = ledger;
  await withDirLock(dir, async () => {
    for (const o of ledger.outputs) {
      await rename(join(dir, o.hidden), join(dir, o.final)).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT' || !(await exists(join(dir, o.final)))) throw e;
      });
    }
    for (const input of ledger.inputs) await rm(join(dir, input), { force: true });
    await syncDir(dir);
    await locator.set(dir);
    await rm(join(dir, DETOUR_MARKER), { force: true });
    ledger.step = 'swapped';
    ledger.graceUntil = Date.now() + graceSeconds * 1000;
    await save(home, ledger);
  });
}

/**
 * Takes ledgers from their step to the end of the swap (steps 2 and 3), with one listing grace
 * for all of them; returns those that got there (the others were abandoned). Every step is
 * idempotent, so a crash anywhere is resumed by calling this again with the ledgers on disk.
 */
export async function swap(
  home: string,
  items: { ledger: CompactionLedger; locator: PartitionLocator }[],
  graceSeconds: number,
): Promise<CompactionLedger[]> {
  const going: typeof items = [];
  let detoured = false;
  for (const item of items) {
    const { ledger, locator } = item;
    if (ledger.step === 'merging') await abandon(home, ledger);
    else if (ledger.step === 'merged') {
      if (await detour(home, ledger, locator)) {
        detoured = true;
        going.push(item);
        await reached('detoured');
      } else await abandon(home, ledger);
    } else going.push(item);
  }
  if (detoured) await sleep(LISTING_GRACE_MS);
  for (const { ledger, locator } of going) {
    if (ledger.step !== 'detoured') continue;
    await swapHome(home, ledger, locator, graceSeconds);
    await reached('swapped');
  }
  return going.map((i) => i.ledger);
}

/** Finishes what crashed compactions left (their ledgers), and deletes detour folders past their grace. */
export async function settle(
  home: string,
  locatorOf: (ledger: CompactionLedger) => PartitionLocator,
  graceSeconds: number,
  at?: number,
): Promise<number> {
  const ledgers = await listLedgers(home);
  const unfinished = ledgers.filter((l) => l.step !== 'swapped');
  await swap(
    home,
    unfinished.map((ledger) => ({ ledger, locator: locatorOf(ledger) })),
    graceSeconds,
  );
  let done = 0;
  const now = at ?? Date.now();
  for (const ledger of ledgers) {
    if (ledger.step === 'swapped' && (ledger.graceUntil ?? 0) <= now) {
      await rm(join(home, ledger.id), { recursive: true, force: true });
      await rm(ledgerPath(home, ledger.id), { force: true });
      done++;
    }
  }
  return done;
}

/** A table's compaction lock (one compaction of a table at a time, across processes); undefined when taken. */
export function lockTableCompaction(home: string): Promise<(() => Promise<void>) | undefined> {
  return tryLockDir(join(home, 'table'));
}
