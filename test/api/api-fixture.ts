/**
 * The collections and records every API scenario starts from: `posts` (public rules, a relation to
 * `users`), `secrets` (null rules: superusers only), `owned` (rules on `@request.auth.id`), a view,
 * and one ordinary user with a token. `dataSnapshot` lets a scenario prove that a failed request
 * left nothing behind.
 */
import type { TestApp } from '../http/test-app.js';

export interface ApiFixture {
  userId: string;
  userToken: string;
  /** Ids of the `posts`, `secrets` and `owned` records seeded for each scenario. */
  postId: string;
  secretId: string;
  ownedId: string;
}

export const DATA_TABLES = ['posts', 'secrets', 'owned', 'users'] as const;

async function ok(t: TestApp, method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await t.call(method, path, { body });
  if (res.status !== 200) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, unknown>;
}

export async function createFixtureCollections(t: TestApp): Promise<void> {
  const users = await t.call('GET', '/api/collections/users');
  await ok(t, 'POST', '/api/collections', {
    name: 'posts',
    fields: [
      { name: 'title', type: 'text', max: 100 },
      { name: 'views', type: 'number' },
      { name: 'tags', type: 'select', values: ['a', 'b', 'c'], maxSelect: 3 },
      { name: 'author', type: 'relation', collectionId: users.body.id, maxSelect: 1 },
      { name: 'created', type: 'autodate', onCreate: true },
      { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
    ],
    listRule: '',
    viewRule: '',
    createRule: '',
    updateRule: '',
    deleteRule: '',
  });
  await ok(t, 'POST', '/api/collections', {
    name: 'secrets',
    fields: [{ name: 'value', type: 'text' }],
  });
  await ok(t, 'POST', '/api/collections', {
    name: 'owned',
    fields: [
      { name: 'note', type: 'text' },
      { name: 'owner', type: 'relation', collectionId: users.body.id, maxSelect: 1 },
    ],
    listRule: 'owner = @request.auth.id',
    viewRule: 'owner = @request.auth.id',
    createRule: '@request.auth.id != "" && @request.body.owner = @request.auth.id',
    updateRule: 'owner = @request.auth.id',
    deleteRule: 'owner = @request.auth.id',
  });
  await ok(t, 'POST', '/api/collections', {
    name: 'post_titles',
    type: 'view',
    viewQuery: 'SELECT id, title FROM posts',
    listRule: '',
    viewRule: '',
  });
}

export interface FixtureUser {
  userId: string;
  userToken: string;
}

/** One ordinary `users` record and its token (created once per app: hashing is slow on purpose). */
export async function createFixtureUser(t: TestApp): Promise<FixtureUser> {
  const email = `u${Date.now()}${Math.floor(Math.random() * 1e6)}@example.com`;
  const user = await ok(t, 'POST', '/api/collections/users/records', {
    email,
    password: 'password123',
    passwordConfirm: 'password123',
  });
  const login = await t.call('POST', '/api/collections/users/auth-with-password', {
    body: { identity: email, password: 'password123' },
    token: null,
  });
  if (login.status !== 200) throw new Error(`user login failed: ${JSON.stringify(login.body)}`);
  return { userId: String(user.id), userToken: String(login.body.token) };
}

/** Fresh records for one scenario (a scenario may delete or change them). */
export async function seedRecords(t: TestApp, user: FixtureUser): Promise<ApiFixture> {
  const post = await ok(t, 'POST', '/api/collections/posts/records', { title: 'hello', views: 1, tags: ['a'], author: user.userId });
  const secret = await ok(t, 'POST', '/api/collections/secrets/records', { value: 's3cret' });
  const owned = await ok(t, 'POST', '/api/collections/owned/records', { note: 'mine', owner: user.userId });
  return { ...user, postId: String(post.id), secretId: String(secret.id), ownedId: String(owned.id) };
}

/**
 * Every row of every data table, to compare before and after a request: a failed request must
 * leave neither a new row (count) nor a changed one (content).
 */
export async function dataSnapshot(t: TestApp): Promise<string> {
  const out: Record<string, unknown> = {};
  for (const table of DATA_TABLES) {
    out[table] = await t.app.db.all(`SELECT * FROM "${table}" ORDER BY "id"`);
  }
  return JSON.stringify(out, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
}
