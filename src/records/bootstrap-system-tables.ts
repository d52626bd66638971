import type { Queryable } from '../db/database.js';

/**
 * Creates Galley's own tables when missing (`docs/internals/storage-layout.md`): `_collections`,
 * `_params`, `_migrations`. Idempotent; JSON columns are JSON text on both engines so every reader
 * parses them the same way.
 */
export async function bootstrapSystemTables(db: Queryable): Promise<void> {
  const text = db.dialect === 'postgres' ? 'TEXT COLLATE "C"' : 'TEXT';
  const statements = [
    `CREATE TABLE IF NOT EXISTS "_collections" (
      "id" ${text} PRIMARY KEY NOT NULL,
      "name" ${text} NOT NULL,
      "type" ${text} NOT NULL DEFAULT 'base',
      "system" BOOLEAN NOT NULL DEFAULT FALSE,
      "fields" TEXT NOT NULL DEFAULT '[]',
      "indexes" TEXT NOT NULL DEFAULT '[]',
      "listRule" TEXT DEFAULT NULL,
      "viewRule" TEXT DEFAULT NULL,
      "createRule" TEXT DEFAULT NULL,
      "updateRule" TEXT DEFAULT NULL,
      "deleteRule" TEXT DEFAULT NULL,
      "options" TEXT NOT NULL DEFAULT '{}',
      "created" ${text} NOT NULL DEFAULT '',
      "updated" ${text} NOT NULL DEFAULT ''
    )`,
    // case-insensitive uniqueness of names, the same expression on both engines
    `CREATE UNIQUE INDEX IF NOT EXISTS "_collections_name_idx" ON "_collections" (lower("name"))`,
    `CREATE TABLE IF NOT EXISTS "_params" (
      "key" ${text} PRIMARY KEY NOT NULL,
      "value" TEXT DEFAULT NULL,
      "updated" ${text} NOT NULL DEFAULT ''
    )`,
    `CREATE TABLE IF NOT EXISTS "_migrations" (
      "file" ${text} PRIMARY KEY NOT NULL,
      "applied" ${text} NOT NULL DEFAULT ''
    )`,
  ];
  for (const sql of statements) await db.run(sql);
}
