/**
 * Applies and reverts the migration files of one folder against one database. Each file runs in
 * its own transaction together with its `_migrations` row, so a failure leaves neither its changes
 * nor the row behind, and the next start retries it.
 *
 * Several nodes may start at once on one PostgreSQL database: each migration takes a
 * transaction-scoped advisory lock and re-checks `_migrations` under it, so exactly one node applies
 * a file and the others skip it. SQLite's single writer gives the same guarantee for free.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Database } from '../db/database.js';
import type { CollectionService } from '../records/collection-service.js';
import { describeError } from './describe-error.js';
import { loadMigration } from './load-migration.js';
import { MigrationError } from './migration-error.js';
import { listMigrationFiles, type MigrationFile } from './migration-file.js';
import {
  appliedMigrations,
  ensureMigrationsTable,
  forgetMigration,
  recordMigration,
  type AppliedMigration,
} from './migrations-table.js';
import type { MigrationApp } from './public.js';

export interface MigratorOptions {
  db: Database;
  collections: CollectionService;
  /** The folder holding the migration files. */
  dir: string;
}

export interface MigrationStatus {
  /** Applied, oldest first; `missing` when the file is no longer in the folder. */
  applied: Array<AppliedMigration & { missing: boolean }>;
  /** In the folder but not applied, in the order `up` would apply them. */
  pending: MigrationFile[];
}

/** An arbitrary constant; what matters is that every Galley node uses the same one. */
const ADVISORY_LOCK_KEY = '7161114108101121';

export class Migrator {
  readonly dir: string;
  readonly #db: Database;
  readonly #app: MigrationApp;
  readonly #collections: CollectionService;
  #busy = 0;

  constructor(options: MigratorOptions) {
    this.dir = resolve(options.dir);
    this.#db = options.db;
    this.#collections = options.collections;
    this.#app = Object.freeze({ db: options.db, collections: options.collections });
  }

  /** True while a migration runs: schema changes seen then come from migration files, not users. */
  get busy(): boolean {
    return this.#busy > 0;
  }

  async status(): Promise<MigrationStatus> {
    await ensureMigrationsTable(this.#db);
    const [files, applied] = await Promise.all([listMigrationFiles(this.dir), appliedMigrations(this.#db)]);
    const done = new Set(applied.map((a) => a.file));
    const present = new Set(files.map((f) => f.file));
    return {
      applied: applied.map((a) => ({ ...a, missing: !present.has(a.file) })),
      pending: files.filter((f) => !done.has(f.file)),
    };
  }

  /**
   * Applies every pending file in name order and returns the ones applied. Stops at the first
   * failure with a MigrationError naming the file; earlier files stay applied.
   */
  async up(onApplied?: (file: string) => void): Promise<string[]> {
    const { pending } = await this.status();
    const done: string[] = [];
    for (const f of pending) {
      const m = await loadMigration(join(this.dir, f.file), f.file);
      const applied = await this.#run(f.file, 'failed and was rolled back', async (db) => {
        if (await this.#isApplied(db, f.file)) return false;
        await m.up(this.#app);
        await recordMigration(db, f.file);
        return true;
      });
      if (applied) {
        done.push(f.file);
        onApplied?.(f.file);
      }
    }
    return done;
  }

  /** Reverts the last `count` applied migrations, newest first, and returns the ones reverted. */
  async down(count = 1, onReverted?: (file: string) => void): Promise<string[]> {
    const { applied } = await this.status();
    const targets = applied.slice(-Math.max(0, count)).reverse();
    const done: string[] = [];
    for (const a of targets) {
      const path = join(this.dir, a.file);
      if (!existsSync(path)) {
        throw new MigrationError(a.file, `is applied but missing from ${this.dir}; cannot revert it`);
      }
      const m = await loadMigration(path, a.file);
      const down = m.down;
      if (!down) throw new MigrationError(a.file, 'has no down() and cannot be reverted');
      const reverted = await this.#run(a.file, 'could not be reverted (rolled back)', async (db) => {
        if (!(await this.#isApplied(db, a.file))) return false;
        await down.call(m, this.#app);
        await forgetMigration(db, a.file);
        return true;
      });
      if (reverted) {
        done.push(a.file);
        onReverted?.(a.file);
      }
    }
    return done;
  }

  /** Records a file as applied without running it (automigrate writes files for changes already made). */
  async markApplied(file: string): Promise<void> {
    await ensureMigrationsTable(this.#db);
    await recordMigration(this.#db, file);
  }

  async #run(file: string, failure: string, fn: (db: Database) => Promise<boolean>): Promise<boolean> {
    this.#busy++;
    try {
      return await this.#db.transaction(async () => {
        if (this.#db.dialect === 'postgres') {
          await this.#db.get(`SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_KEY})`);
        }
        return fn(this.#db);
      });
    } catch (err) {
      // The collection service updated its cache when its part of the work succeeded; the rollback
      // undid that work, so the cache must be read again from the database.
      await this.#collections.reload().catch(() => {});
      if (err instanceof MigrationError) throw err;
      throw new MigrationError(file, `${failure}: ${describeError(err)}`, err);
    } finally {
      this.#busy--;
    }
  }

  async #isApplied(db: Database, file: string): Promise<boolean> {
    return (await db.get('SELECT 1 AS "one" FROM "_migrations" WHERE "file" = ?', [file])) !== undefined;
  }
}
