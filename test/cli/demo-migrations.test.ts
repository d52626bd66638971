import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Migrator } from '../../src/migrations/migrator.js';
import { CollectionService } from '../../src/records/collection-service.js';
import { eachDatabase } from '../../src/testing/databases.js';

const demoMigrations = fileURLToPath(new URL('../../demo/migrations/', import.meta.url));

eachDatabase('the demo app migrations apply on an empty database and revert cleanly', async (db) => {
  const collections = new CollectionService(db);
  await collections.ensureSystemCollections();
  const migrator = new Migrator({ db, collections, dir: demoMigrations });
  const applied = await migrator.up();
  assert.ok(applied.length >= 1);
  const posts = collections.find('posts');
  const comments = collections.find('comments');
  assert.ok(posts && comments);
  assert.deepEqual(
    posts.fields.map((f) => f.name),
    ['id', 'title', 'body', 'tags', 'author', 'published', 'created', 'updated'],
  );
  assert.equal(posts.listRule, 'published = true || author = @request.auth.id');
  const post = comments.fields.find((f) => f.name === 'post');
  assert.ok(post?.type === 'relation' && post.collectionId === posts.id && post.cascadeDelete);

  await migrator.down(applied.length);
  assert.equal(collections.find('posts'), undefined);
  assert.equal(collections.find('comments'), undefined);
});
