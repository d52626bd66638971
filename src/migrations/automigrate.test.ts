import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Collection } from '../core/schema.js';
import type { Database } from '../db/database.js';
import { CollectionService } from '../records/collection-service.js';
import { createTestDatabase, eachDatabase } from '../testing/databases.js';
import { startAutomigrate } from './automigrate.js';
import { collectionSnapshot, collectionsSnapshotSource } from './collection-migration-source.js';
import { createMigrationFile } from './create-migration-file.js';
import { Migrator } from './migrator.js';

async function collectionsOn(db: Database): Promise<CollectionService> {
  const collections = new CollectionService(db);
  await collections.ensureSystemCollections();
  return collections;
}

/** What must match between two databases: every collection as a migration stores it, by name. */
function schemaOf(collections: CollectionService): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of collections.all()) out[c.name] = collectionSnapshot(c);
  return out;
}

const field = (name: string, type: string, extra: Record<string, unknown> = {}) => ({ name, type, ...extra });

/** A run of schema changes covering create, update (fields, rules, indexes, rename) and delete. */
async function changeSchema(collections: CollectionService): Promise<void> {
  const users = collections.find('users') as Collection;
  const posts = await collections.create({
    name: 'posts',
    type: 'base',
    fields: [
      field('title', 'text', { required: true, max: 120 }),
      field('author', 'relation', { collectionId: users.id, maxSelect: 1 }),
      field('tags', 'select', { values: ['a', 'b'], maxSelect: 2 }),
      field('created', 'autodate', { onCreate: true, onUpdate: false }),
    ],
    listRule: '',
  });
  await collections.create({ name: 'scratch', type: 'base', fields: [field('x', 'number')] });
  await collections.update(posts.id, {
    fields: [...posts.fields, field('published', 'bool')],
    indexes: ['CREATE INDEX "idx_posts_title" ON "posts" ("title")'],
    viewRule: 'published = true',
  });
  await collections.create({
    name: 'comments',
    type: 'base',
    fields: [field('post', 'relation', { collectionId: posts.id, maxSelect: 1, cascadeDelete: true }), field('text', 'text')],
  });
  await collections.update('users', { listRule: 'id = @request.auth.id || verified = true' });
  await collections.update('users', {}); // no change: no file
  await collections.update('scratch', { name: 'scratchpad' });
  await collections.delete('scratchpad');
  await collections.create({
    name: 'post_titles',
    type: 'view',
    viewQuery: 'SELECT "id", "title" FROM "posts"',
  });
}

eachDatabase('automigrate writes files that rebuild the same schema on a fresh database, and revert it', async (db, ctx) => {
  const dir = await mkdtemp(join(tmpdir(), 'galley-automigrate-'));
  const fresh = await createTestDatabase(ctx.dialect);
  try {
    const collections = await collectionsOn(db);
    const migrator = new Migrator({ db, collections, dir });
    const written: string[] = [];
    const errors: string[] = [];
    const auto = startAutomigrate({ collections, migrator, onFile: (f) => written.push(f), onError: (m) => errors.push(m) });
    await changeSchema(collections);
    await auto.stop();
    assert.deepEqual(errors, []);

    const files = (await readdir(dir)).sort();
    assert.deepEqual(files, written, 'files are written in the order the changes committed');
    assert.deepEqual(
      files.map((f) => f.replace(/^\d+_/, '')),
      [
        'created_posts.ts',
        'created_scratch.ts',
        'updated_posts.ts',
        'created_comments.ts',
        'updated_users.ts',
        'updated_scratchpad.ts',
        'deleted_scratchpad.ts',
        'created_post_titles.ts',
      ],
    );
    // Recorded as applied here: a restart must not apply them again.
    assert.deepEqual((await migrator.status()).pending, []);
    for (const f of files) {
      const source = await readFile(join(dir, f), 'utf8');
      assert.doesNotMatch(source, /"secret"|"created": "\d|"updated": "\d/, `${f} holds no secrets or timestamps`);
    }

    // Apply the files to an empty database: the same collections come out.
    const freshCollections = await collectionsOn(fresh.db);
    const before = schemaOf(freshCollections);
    const freshMigrator = new Migrator({ db: fresh.db, collections: freshCollections, dir });
    assert.deepEqual(await freshMigrator.up(), files);
    assert.deepEqual(schemaOf(freshCollections), schemaOf(collections));

    // The tables work: a post with a comment, read through the view.
    await fresh.db.run('INSERT INTO "posts" ("id", "title", "published") VALUES (?, ?, ?)', ['p00000000000001', 'Hello', true]);
    const view = await fresh.db.all<{ title: string }>('SELECT "title" FROM "post_titles"');
    assert.deepEqual(view.map((r) => r.title), ['Hello']);
    await fresh.db.run('DELETE FROM "posts"');

    // And every down() together restores the schema the fresh database started with.
    assert.equal((await freshMigrator.down(files.length)).length, files.length);
    assert.deepEqual(schemaOf(freshCollections), before);
  } finally {
    await fresh.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
});

eachDatabase('automigrate ignores changes made by running migrations', async (db) => {
  const dir = await mkdtemp(join(tmpdir(), 'galley-automigrate-'));
  try {
    const collections = await collectionsOn(db);
    const migrator = new Migrator({ db, collections, dir });
    const auto = startAutomigrate({ collections, migrator });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      join(dir, '1700000000_by_hand.ts'),
      `export default { async up(app) { await app.collections.create({ name: 'notes', type: 'base' }); } };`,
    );
    await migrator.up();
    await auto.stop();
    assert.deepEqual(await readdir(dir), ['1700000000_by_hand.ts']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

eachDatabase('a collections snapshot file rebuilds the schema elsewhere and changes nothing where it came from', async (db, ctx) => {
  const dir = await mkdtemp(join(tmpdir(), 'galley-snapshot-'));
  const fresh = await createTestDatabase(ctx.dialect);
  try {
    const collections = await collectionsOn(db);
    await changeSchema(collections);
    const source = collectionsSnapshotSource(collections.all().filter((c) => !c.system));
    await createMigrationFile(dir, 'collections_snapshot', source);

    const freshCollections = await collectionsOn(fresh.db);
    assert.equal((await new Migrator({ db: fresh.db, collections: freshCollections, dir }).up()).length, 1);
    assert.deepEqual(schemaOf(freshCollections), schemaOf(collections));

    // Where the schema already matches, applying it is a no-op.
    const expected = schemaOf(collections);
    assert.equal((await new Migrator({ db, collections, dir }).up()).length, 1);
    assert.deepEqual(schemaOf(collections), expected);
  } finally {
    await fresh.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
});
