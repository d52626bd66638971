/**
 * Writes a new migration file whose name sorts after every existing one. The timestamp is "now"
 * unless the folder already holds a file from this second or later (a burst of automigrate
 * changes, a clock behind a teammate's), in which case it is one past the newest, so files always
 * apply in the order they were written.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { listMigrationFiles, slugifyMigrationName } from './migration-file.js';

export interface CreatedMigrationFile {
  file: string;
  path: string;
}

export async function createMigrationFile(
  dir: string,
  name: string,
  source: string,
  now: Date = new Date(),
): Promise<CreatedMigrationFile> {
  const slug = slugifyMigrationName(name);
  if (!slug) throw new Error(`invalid migration name ${JSON.stringify(name)}: use letters, digits and _`);
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const existing = await listMigrationFiles(root);
  const newest = existing.reduce((max, f) => Math.max(max, f.timestamp), 0);
  const timestamp = Math.max(Math.floor(now.getTime() / 1000), newest + 1);
  const file = `${timestamp}_${slug}.ts`;
  const path = join(root, file);
  // `wx` refuses to overwrite: two writers racing on one name is a bug to report, not to hide.
  await writeFile(path, source, { flag: 'wx' });
  return { file, path };
}

/** The body of `galley migrate create NAME`. */
export function blankMigrationSource(): string {
  return `import type { Migration } from 'galley/migrations';

// Runs once, in a transaction with its row in _migrations. \`app.db\` and \`app.collections\`
// join that transaction, so a thrown error undoes everything this file did.
export default {
  async up(app) {
    // e.g. await app.collections.create({ name: 'notes', type: 'base', fields: [{ name: 'text', type: 'text' }] });
  },

  // Reverts up() for \`galley migrate down\`.
  async down(app) {
    // e.g. await app.collections.delete('notes');
  },
} satisfies Migration;
`;
}
