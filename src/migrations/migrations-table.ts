/**
 * The `_migrations` table (see docs/internals/storage-layout.md): one row per applied file. The app
 * bootstrap creates it too; creating it here as well keeps `galley migrate` usable on a database
 * the app has not opened yet, and `IF NOT EXISTS` makes the two harmless together.
 */
import type { Queryable } from '../db/database.js';

export interface AppliedMigration {
  file: string;
  applied: string;
}

export async function ensureMigrationsTable(db: Queryable): Promise<void> {
  await db.exec(
    'CREATE TABLE IF NOT EXISTS "_migrations" ("file" TEXT PRIMARY KEY NOT NULL, "applied" TEXT NOT NULL)',
  );
}

/** Applied migrations, oldest file name first. */
export async function appliedMigrations(db: Queryable): Promise<AppliedMigration[]> {
  const rows = await db.all<{ file: unknown; applied: unknown }>('SELECT "file", "applied" FROM "_migrations"');
  return rows
    .map((r) => ({ file: String(r.file), applied: String(r.applied) }))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

export async function recordMigration(db: Queryable, file: string, at = new Date()): Promise<void> {
  await db.run('INSERT INTO "_migrations" ("file", "applied") VALUES (?, ?)', [file, formatDatetime(at)]);
}

export async function forgetMigration(db: Queryable, file: string): Promise<void> {
  await db.run('DELETE FROM "_migrations" WHERE "file" = ?', [file]);
}

/** Galley's datetime text, `YYYY-MM-DD HH:MM:SS.sssZ`, as everywhere else in the database. */
function formatDatetime(d: Date): string {
  return d.toISOString().replace('T', ' ');
}
