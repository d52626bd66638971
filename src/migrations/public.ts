/**
 * The API a migration file sees (package export `galley/migrations`). A migration is a module whose
 * default export has `up` and (optionally) `down`; both get the same `app` handle that hooks will
 * get later, so a migration never touches a database driver directly and runs on SQLite and
 * PostgreSQL alike.
 *
 * ```ts
 * import { migration } from 'galley/migrations';
 * export default migration({
 *   async up(app) { await app.collections.create({ name: 'posts', type: 'base', fields: [...] }); },
 *   async down(app) { await app.collections.delete('posts'); },
 * });
 * ```
 *
 * Files that only `import type` from here (as generated ones do) run without the package being
 * resolvable, because the TypeScript loader erases type-only imports.
 */
import type { Database } from '../db/database.js';
import type { CollectionService } from '../records/collection-service.js';

export type { Collection, Field, FieldType } from '../core/schema.js';
export type { Database, Transaction } from '../db/database.js';
export type { CollectionService } from '../records/collection-service.js';

/** What `up` and `down` receive. Both run inside the migration's transaction. */
export interface MigrationApp {
  /** Joined to the migration's transaction: statements commit or roll back with it. */
  readonly db: Database;
  readonly collections: CollectionService;
}

export interface Migration {
  up(app: MigrationApp): Promise<void> | void;
  /** Reverts `up`; without it `galley migrate down` refuses to revert this file. */
  down?(app: MigrationApp): Promise<void> | void;
}

/** Identity helper that types `up`/`down` without an annotation. */
export function migration(definition: Migration): Migration {
  return definition;
}
