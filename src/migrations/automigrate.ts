/**
 * Development mode's automigrate: every schema change made through the API is written to the
 * migrations folder as a file and recorded as applied (the change is already in this database),
 * so committing the folder reproduces the schema anywhere with `galley migrate up`.
 *
 * Changes made while the migrator runs come from migration files and are not echoed back. Writes
 * are queued one at a time so files get increasing timestamps in the order the changes committed.
 */
import { AsyncResource } from 'node:async_hooks';
import type { CollectionChange, CollectionService } from '../records/collection-service.js';
import type { Collection } from '../core/schema.js';
import { collectionMigrationSource, collectionSnapshot } from './collection-migration-source.js';
import { createMigrationFile } from './create-migration-file.js';
import { describeError } from './describe-error.js';
import type { Migrator } from './migrator.js';

export interface AutomigrateOptions {
  collections: CollectionService;
  migrator: Migrator;
  /** Told about every file written (and every failure) so the CLI can print it. */
  onFile?: (file: string) => void;
  onError?: (message: string) => void;
}

export interface Automigrate {
  /** Resolves when every change seen so far has been written. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export function startAutomigrate(options: AutomigrateOptions): Automigrate {
  const { migrator } = options;
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;

  const write = async (event: CollectionChange): Promise<void> => {
    if (event.action === 'update' && event.before && event.after && sameSnapshot(event.before, event.after)) {
      return; // a save that changed nothing a migration would carry (only `updated`, or nothing)
    }
    const { name, source } = collectionMigrationSource(event.action, event.before, event.after);
    const created = await createMigrationFile(migrator.dir, name, source);
    try {
      await migrator.markApplied(created.file);
    } catch (err) {
      // A file that is not recorded would be applied again on the next start and fail there.
      const { rm } = await import('node:fs/promises');
      await rm(created.path, { force: true });
      throw err;
    }
    options.onFile?.(created.file);
  };

  // Listeners run in the async context of whoever changed the schema, possibly inside a request's
  // transaction that is over by the time the file is written; writes run in this (root) context
  // instead, so `_migrations` is written by its own statement.
  const root = new AsyncResource('galley.automigrate');

  const unsubscribe = options.collections.onChange((event: CollectionChange) => {
    if (stopped || migrator.busy) return;
    root.runInAsyncScope(() => {
      queue = queue
        .then(() => write(event))
        .catch((err: unknown) => {
          options.onError?.(`automigrate: could not write a migration for a collection change: ${describeError(err)}`);
        });
    });
  });

  return {
    flush: () => queue,
    async stop() {
      stopped = true;
      unsubscribe();
      await queue;
    },
  };
}

function sameSnapshot(a: Collection, b: Collection): boolean {
  return JSON.stringify(collectionSnapshot(a)) === JSON.stringify(collectionSnapshot(b));
}
