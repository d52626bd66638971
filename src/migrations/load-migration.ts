/**
 * Loads one migration file through the same loader as all user code, so a migration may be
 * TypeScript and import anything the app can, and checks that it is shaped like a migration.
 */
import type { Migration } from './public.js';
import { MigrationError } from './migration-error.js';
import { loadUserModule } from './load-user-module.js';

export async function loadMigration(path: string, file: string): Promise<Migration> {
  let candidate: unknown;
  try {
    candidate = await loadUserModule(path);
  } catch (err) {
    throw new MigrationError(file, `cannot be loaded: ${describe(err)}`, err);
  }
  if (!isMigration(candidate)) {
    throw new MigrationError(
      file,
      'must `export default` an object with an `up(app)` function (see `galley migrate create`)',
    );
  }
  return candidate;
}

function isMigration(value: unknown): value is Migration {
  if (!value || typeof value !== 'object') return false;
  const m = value as { up?: unknown; down?: unknown };
  return typeof m.up === 'function' && (m.down === undefined || typeof m.down === 'function');
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}
