/** `galley migrate up|down|create|status`. */
import type { Command } from 'commander';
import { relative } from 'node:path';
import type { App } from '../app/app.js';
import { collectionsSnapshotSource } from '../migrations/collection-migration-source.js';
import { blankMigrationSource, createMigrationFile } from '../migrations/create-migration-file.js';
import { Migrator } from '../migrations/migrator.js';
import { CliError } from './cli-error.js';
import { configFromCommand, openApp } from './open-app.js';

async function withMigrator<T>(cmd: Command, fn: (migrator: Migrator, app: App) => Promise<T>): Promise<T> {
  const config = configFromCommand(cmd);
  const app = await openApp(config);
  try {
    return await fn(new Migrator({ db: app.db, collections: app.collections, dir: config.migrationsDir }), app);
  } finally {
    await app.close();
  }
}

const shown = (dir: string): string => relative(process.cwd(), dir) || '.';

export async function runMigrateUp(cmd: Command): Promise<void> {
  await withMigrator(cmd, async (migrator) => {
    const applied = await migrator.up((file) => process.stdout.write(`applied  ${file}\n`));
    process.stdout.write(
      applied.length ? `${applied.length} migration(s) applied from ${shown(migrator.dir)}\n` : 'nothing to apply\n',
    );
  });
}

export async function runMigrateDown(cmd: Command, count: number): Promise<void> {
  await withMigrator(cmd, async (migrator) => {
    const reverted = await migrator.down(count, (file) => process.stdout.write(`reverted ${file}\n`));
    process.stdout.write(reverted.length ? `${reverted.length} migration(s) reverted\n` : 'nothing to revert\n');
  });
}

export async function runMigrateStatus(cmd: Command): Promise<void> {
  await withMigrator(cmd, async (migrator) => {
    const { applied, pending } = await migrator.status();
    process.stdout.write(`migrations in ${shown(migrator.dir)}\n`);
    for (const a of applied) {
      process.stdout.write(`  applied  ${a.file}  ${a.applied}${a.missing ? '  (file missing)' : ''}\n`);
    }
    for (const p of pending) process.stdout.write(`  pending  ${p.file}\n`);
    process.stdout.write(`${applied.length} applied, ${pending.length} pending\n`);
  });
}

export async function runMigrateCreate(cmd: Command, name: string): Promise<void> {
  const dir = String(cmd.opts<{ migrations?: unknown }>().migrations ?? './migrations');
  let created;
  try {
    created = await createMigrationFile(dir, name, blankMigrationSource());
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  process.stdout.write(`created ${shown(created.path)}\n`);
}

export async function runMigrateCollections(cmd: Command): Promise<void> {
  await withMigrator(cmd, async (migrator, app) => {
    // System collections are Galley's own and exist on every database already.
    const collections = app.collections.all().filter((c) => !c.system);
    const created = await createMigrationFile(migrator.dir, 'collections_snapshot', collectionsSnapshotSource(collections));
    process.stdout.write(`created ${shown(created.path)} (${collections.length} collection(s))\n`);
  });
}
