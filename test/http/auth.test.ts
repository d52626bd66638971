import assert from 'node:assert/strict';
import { hashPassword } from '../../src/auth/password.js';
import { randomRecordId, randomString } from '../../src/lib/random-string.js';
import { deleteSuperuser, upsertSuperuser } from '../../src/auth/superusers.js';
import type { App } from '../../src/app/app.js';
import { SUPERUSER_EMAIL, SUPERUSER_PASSWORD, eachAppDialect } from './test-app.js';

function decodePayload(token: string): Record<string, unknown> {
  // The SDK reads claims with plain atob, so the payload must decode that way.
  return JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
}

async function insertUser(app: App, email: string, password: string): Promise<string> {
  const id = randomRecordId();
  const now = new Date().toISOString().replace('T', ' ');
  await app.db.run(
    `INSERT INTO "users" ("id", "email", "password", "tokenKey", "emailVisibility", "verified", "created", "updated")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [id, email, await hashPassword(password), randomString(50), false, true, now, now],
  );
  return id;
}

eachAppDialect('superuser login, refresh and PocketBase token claims', async ({ call, app }) => {
  const login = await call('POST', '/api/collections/_superusers/auth-with-password', {
    body: { identity: SUPERUSER_EMAIL, password: SUPERUSER_PASSWORD },
    token: null,
  });
  assert.equal(login.status, 200);
  assert.equal(typeof login.body.token, 'string');
  const record = login.body.record;
  assert.equal(record.email, SUPERUSER_EMAIL);
  assert.equal(record.collectionName, '_superusers');
  assert.equal(record.verified, true);
  assert.equal(record.password, undefined);
  assert.equal(record.tokenKey, undefined);
  assert.match(record.created, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  const claims = decodePayload(login.body.token);
  assert.equal(claims.type, 'auth');
  assert.equal(claims.id, record.id);
  assert.equal(claims.collectionId, app.collections.find('_superusers')!.id);
  assert.equal(claims.refreshable, true);
  assert.equal(typeof claims.exp, 'number');

  // Raw token and Bearer both work.
  const raw = await call('POST', '/api/collections/_superusers/auth-refresh', { token: login.body.token });
  assert.equal(raw.status, 200);
  assert.equal(raw.body.record.id, record.id);
  const bearer = await call('GET', '/api/settings', { token: `Bearer ${login.body.token}` });
  assert.equal(bearer.status, 200);

  const noAuth = await call('POST', '/api/collections/_superusers/auth-refresh', { token: null });
  assert.equal(noAuth.status, 401);
});

eachAppDialect('bad credentials are one 400 "Failed to authenticate." whether or not the user exists', async ({ call }) => {
  for (const body of [
    { identity: SUPERUSER_EMAIL, password: 'wrong password' },
    { identity: 'nobody@example.com', password: SUPERUSER_PASSWORD },
    { identity: '', password: '' },
    { identity: SUPERUSER_EMAIL },
  ]) {
    const res = await call('POST', '/api/collections/_superusers/auth-with-password', { body, token: null });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.deepEqual(res.body, { status: 400, message: 'Failed to authenticate.', data: {} });
  }
});

eachAppDialect('an invalid or expired token means guest, never a 401 by itself', async ({ call, token }) => {
  const forged = `${token.slice(0, -4)}AAAA`;
  for (const bad of ['garbage', forged, 'Bearer x.y.z']) {
    const health = await call('GET', '/api/health', { token: bad });
    assert.equal(health.status, 200);
    assert.deepEqual(health.body.data, {}, 'guest view of health');
    const guarded = await call('GET', '/api/collections', { token: bad });
    assert.equal(guarded.status, 401);
  }
});

eachAppDialect('password change (new tokenKey) revokes old tokens; deleted superusers are guests', async ({ call, app, token }) => {
  await upsertSuperuser(app, SUPERUSER_EMAIL, 'another long password');
  assert.equal((await call('GET', '/api/settings', { token })).status, 401);
  const login = await call('POST', '/api/collections/_superusers/auth-with-password', {
    body: { identity: SUPERUSER_EMAIL.toUpperCase(), password: 'another long password' },
    token: null,
  });
  assert.equal(login.status, 200, 'email identity is case-insensitive');
  assert.equal(await deleteSuperuser(app, SUPERUSER_EMAIL), true);
  assert.equal((await call('GET', '/api/settings', { token: login.body.token })).status, 401);
  assert.equal(await deleteSuperuser(app, SUPERUSER_EMAIL), false);
});

eachAppDialect('a non-superuser gets 403 on superuser routes; refresh works only on its own collection', async ({ call, app }) => {
  // The stock `users` auth collection exists on a new app, as in PocketBase; create it otherwise.
  if (!app.collections.find('users')) {
    const created = await call('POST', '/api/collections', { body: { name: 'users', type: 'auth' } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
  }
  await insertUser(app, 'user@example.com', 'user password 1');
  const login = await call('POST', '/api/collections/users/auth-with-password', {
    body: { identity: 'user@example.com', password: 'user password 1' },
    token: null,
  });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  assert.equal(login.body.record.collectionName, 'users');
  const userToken: string = login.body.token;

  for (const [method, path] of [
    ['GET', '/api/collections'],
    ['GET', '/api/settings'],
    ['GET', '/api/logs'],
    ['DELETE', '/api/collections/users'],
  ] as const) {
    const res = await call(method, path, { token: userToken });
    assert.equal(res.status, 403, `${method} ${path}`);
  }
  assert.equal((await call('POST', '/api/collections/users/auth-refresh', { token: userToken })).status, 200);
  assert.equal((await call('POST', '/api/collections/_superusers/auth-refresh', { token: userToken })).status, 403);
  // A base collection has no auth routes.
  await call('POST', '/api/collections', { body: { name: 'posts' } });
  assert.equal((await call('POST', '/api/collections/posts/auth-with-password', { body: { identity: 'a', password: 'b' } })).status, 404);
});
