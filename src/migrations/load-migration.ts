/**
 * Loads one migration file with tsx's programmatic API, the same loader user code goes through, so
 * a migration may be TypeScript and import anything the app can. Each call gets a fresh module
 * instance (tsx namespaces its imports), which lets `migrate down` reload a file that `up` used.
 */
import { pathToFileURL } from 'node:url';
import type { Migration } from './public.js';
import { MigrationError } from './migration-error.js';

export async function loadMigration(path: string, file: string): Promise<Migration> {
  const { tsImport } = await import('tsx/esm/api');
  let mod: unknown;
  try {
    mod = await tsImport(pathToFileURL(path).href, import.meta.url);
  } catch (err) {
    throw new MigrationError(file, `cannot be loaded: ${describe(err)}`, err);
  }
  const candidate = defaultExport(mod);
  if (!isMigration(candidate)) {
    throw new MigrationError(
      file,
      'must `export default` an object with an `up(app)` function (see `galley migrate create`)',
    );
  }
  return candidate;
}

function defaultExport(mod: unknown): unknown {
  if (!mod || typeof mod !== 'object') return undefined;
  let value: unknown = (mod as { default?: unknown }).default;
  // A CommonJS-shaped module (`module.exports = {...}`, or an ESM default seen through CJS interop)
  // nests the real default one level down.
  if (value && typeof value === 'object' && !isMigration(value) && 'default' in value) {
    value = (value as { default?: unknown }).default;
  }
  return value;
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
