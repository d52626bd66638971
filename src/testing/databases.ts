/**
 * Fresh databases for tests, one per dialect. `eachDatabase` registers the same test body once per
 * backend (`name [sqlite]`, `name [postgres]`), each on a new, empty database that is closed and
 * dropped afterwards; the PostgreSQL variant is skipped visibly when the server is unreachable.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type { Database, Dialect } from '../db/database.js';
import { openDatabase } from '../db/open-database.js';
import { createTestPostgres, requireService } from './services.js';

export { createTestPostgres } from './services.js';

export const dialects: readonly Dialect[] = ['sqlite', 'postgres'];

export interface TestDatabaseContext {
  dialect: Dialect;
  /** The PostgreSQL URL (with its own search_path), for a second connection or process. */
  url?: string;
  /** A fresh temp dir (the SQLite file lives there; usable as a data dir on both dialects). */
  dir: string;
  /** The node:test context of the running test. */
  t: TestContext;
}

export interface TestDatabase {
  db: Database;
  dialect: Dialect;
  url?: string;
  dir: string;
  /** Closes the database and deletes its file or schema. Idempotent. */
  cleanup(): Promise<void>;
}

export interface EachDatabaseOptions {
  /** Only these dialects. Default both. */
  only?: readonly Dialect[];
  /** node:test timeout per test. */
  timeout?: number;
}

/**
 * A fresh, empty database of one dialect. The caller must `cleanup()`; for PostgreSQL call
 * `requireService(t, 'postgres')` first.
 */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'galley-test-'));
  const removeDir = (): Promise<void> => rm(dir, { recursive: true, force: true });
  if (dialect === 'sqlite') {
    let db: Database;
    try {
      db = await openDatabase({ dataDir: dir });
    } catch (err) {
      await removeDir();
      throw err;
    }
    return { db, dialect, dir, cleanup: once(async () => {
      try {
        await db.close();
      } finally {
        await removeDir();
      }
    }) };
  }
  const pg = await createTestPostgres();
  let db: Database;
  try {
    db = await openDatabase({ url: pg.url, dataDir: dir });
  } catch (err) {
    await pg.drop().catch(() => {});
    await removeDir();
    throw err;
  }
  return { db, dialect, url: pg.url, dir, cleanup: once(async () => {
    try {
      await db.close();
    } finally {
      await pg.drop().catch(() => {});
      await removeDir();
    }
  }) };
}

/** Registers `name [dialect]` for each dialect, each run on a fresh database. */
export function eachDatabase(
  name: string,
  fn: (db: Database, ctx: TestDatabaseContext) => Promise<void>,
  options: EachDatabaseOptions = {},
): void {
  for (const dialect of options.only ?? dialects) {
    test(`${name} [${dialect}]`, options.timeout ? { timeout: options.timeout } : {}, async (t) => {
      await withTestDatabase(t, dialect, fn);
    });
  }
}

/**
 * Runs `fn` on a fresh database of `dialect` inside an existing test (for suites that build their
 * own `describe` trees). Returns without calling `fn` when PostgreSQL is skipped.
 */
export async function withTestDatabase(
  t: TestContext,
  dialect: Dialect,
  fn: (db: Database, ctx: TestDatabaseContext) => Promise<void>,
): Promise<void> {
  if (dialect === 'postgres' && !(await requireService(t, 'postgres'))) return;
  const tdb = await createTestDatabase(dialect);
  try {
    await fn(tdb.db, tdb.url === undefined ? { dialect, dir: tdb.dir, t } : { dialect, url: tdb.url, dir: tdb.dir, t });
  } finally {
    await tdb.cleanup();
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}
