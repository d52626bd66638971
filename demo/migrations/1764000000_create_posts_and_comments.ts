// The demo app's schema: a small blog. Posts belong to a user from the built-in `users` auth
// collection; anyone can read published posts, authors also see their drafts and may edit only
// their own posts. Comments cascade-delete with their post.
// In your own project this import is `from 'galley/migrations'`; the demo lives inside the package,
// where that name only resolves after a build, so it points at the source instead.
import type { Migration } from '../../src/migrations/public.js';

const published = 'published = true || author = @request.auth.id';

export default {
  async up(app) {
    const users = app.collections.find('users');
    if (!users) throw new Error('the built-in users collection is missing');

    const posts = await app.collections.create({
      name: 'posts',
      type: 'base',
      fields: [
        { name: 'title', type: 'text', required: true, min: 1, max: 200, presentable: true },
        { name: 'body', type: 'editor' },
        { name: 'tags', type: 'select', maxSelect: 4, values: ['news', 'tutorial', 'release', 'opinion'] },
        { name: 'author', type: 'relation', collectionId: users.id, maxSelect: 1, required: true },
        { name: 'published', type: 'bool' },
        { name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
        { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
      ],
      indexes: ['CREATE INDEX "idx_posts_author" ON "posts" ("author")'],
      listRule: published,
      viewRule: published,
      createRule: '@request.auth.id != "" && @request.body.author = @request.auth.id',
      updateRule: 'author = @request.auth.id && (@request.body.author:isset = false || @request.body.author = @request.auth.id)',
      deleteRule: 'author = @request.auth.id',
    });

    await app.collections.create({
      name: 'comments',
      type: 'base',
      fields: [
        { name: 'post', type: 'relation', collectionId: posts.id, maxSelect: 1, required: true, cascadeDelete: true },
        { name: 'author', type: 'relation', collectionId: users.id, maxSelect: 1, required: true },
        { name: 'text', type: 'text', required: true, min: 1, max: 2000 },
        { name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
        { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
      ],
      indexes: ['CREATE INDEX "idx_comments_post" ON "comments" ("post")'],
      listRule: 'post.published = true || post.author = @request.auth.id',
      viewRule: 'post.published = true || post.author = @request.auth.id',
      createRule: '@request.auth.id != "" && @request.body.author = @request.auth.id',
      updateRule: 'author = @request.auth.id && (@request.body.post:isset = false || @request.body.post = post)',
      deleteRule: 'author = @request.auth.id || post.author = @request.auth.id',
    });
  },

  async down(app) {
    await app.collections.delete('comments');
    await app.collections.delete('posts');
  },
} satisfies Migration;
