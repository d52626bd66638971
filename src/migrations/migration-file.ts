/**
 * Migration file names: `<unix-seconds>_<name>.<ts|mts|js|mjs>`. Files apply in name order, which
 * is creation order because the prefix is a timestamp; anything else in the folder (README,
 * `.d.ts`, editor backups) is ignored rather than guessed at.
 */
import { readdir } from 'node:fs/promises';

export interface MigrationFile {
  /** The file name, which is also its key in `_migrations`. */
  file: string;
  /** Seconds since the epoch from the prefix. */
  timestamp: number;
  name: string;
}

const FILE_NAME = /^(\d+)_([A-Za-z0-9_.-]+?)\.(ts|mts|js|mjs)$/;

export function parseMigrationFileName(file: string): MigrationFile | undefined {
  if (file.endsWith('.d.ts') || file.endsWith('.d.mts')) return undefined;
  const m = FILE_NAME.exec(file);
  if (!m) return undefined;
  return { file, timestamp: Number(m[1]), name: m[2] ?? '' };
}

/** Migration files in `dir`, sorted by name; a missing folder has none. */
export async function listMigrationFiles(dir: string): Promise<MigrationFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files: MigrationFile[] = [];
  for (const n of names) {
    const parsed = parseMigrationFileName(n);
    if (parsed) files.push(parsed);
  }
  return files.sort((a, b) => compareFileNames(a.file, b.file));
}

/** Plain code-unit order, independent of the locale, so every machine applies the same order. */
export function compareFileNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A name safe for a file: lowercase words joined by `_`. */
export function slugifyMigrationName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 80);
}
