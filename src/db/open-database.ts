/**
 * Opens the database a deployment is configured for: no URL means the embedded SQLite file in the
 * data dir; a `postgres://` or `postgresql://` URL means PostgreSQL (its driver is loaded only then).
 */
import { join } from 'node:path';
import { DatabaseConnectError } from './database-connect-error.js';
import type { Database } from './database.js';

export interface OpenDatabaseOptions {
  /** A PostgreSQL URL; empty or absent for SQLite. */
  url?: string | undefined;
  /** The data dir; the SQLite file goes there (created if missing). */
  dataDir: string;
  /** SQLite file name inside dataDir. Default `data.db`. */
  file?: string;
  /** SQLite durability, see SqliteDatabaseOptions.synchronous. Default `NORMAL`. */
  synchronous?: 'NORMAL' | 'FULL';
  /** SQLite page cache per connection, see SqliteDatabaseOptions.pageCacheKib. Default 16000. */
  sqlitePageCacheKib?: number;
  /** PostgreSQL pool size. Default 10. */
  maxConnections?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const url = options.url?.trim();
  if (!url) {
    const { SqliteDatabase } = await import('./sqlite/sqlite-database.js');
    const file = join(options.dataDir, options.file ?? 'data.db');
    try {
      return new SqliteDatabase({
        file,
        ...(options.synchronous ? { synchronous: options.synchronous } : {}),
        ...(options.sqlitePageCacheKib !== undefined ? { pageCacheKib: options.sqlitePageCacheKib } : {}),
      });
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      const detail = err instanceof Error ? err.message : String(err);
      throw new DatabaseConnectError(`Cannot open the SQLite database ${file}: ${detail}`, typeof code === 'string' ? code : 'SQLITE_CANTOPEN', { cause: err });
    }
  }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const { PostgresDatabase } = await import('./postgres/postgres-database.js');
    return PostgresDatabase.open({ url, ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}) });
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new DatabaseConnectError(
    `Unsupported database URL${scheme ? ` scheme "${scheme}:"` : ''}: expected postgres://... or postgresql://..., or no URL for the embedded SQLite database.`,
    'EINVALIDURL',
  );
}
