import assert from 'node:assert/strict';
import { hashPassword } from '../../auth/password.js';
import { randomRecordId, randomString } from '../../lib/random-string.js';
import type { App } from '../../app/app.js';
import { eachAppDialect } from '../../../test/http/test-app.js';
import type { TestApp } from '../../../test/http/test-app.js';

const AUTH_RULE_FAILED = "The request doesn't satisfy the collection requirements to authenticate.";

async function insertUser(app: App, fields: { email: string; password: string; verified?: boolean; username?: string }): Promise<string> {
  const id = randomRecordId();
  const now = new Date().toISOString().replace('T', ' ');
  const extra = fields.username === undefined ? [] : ['username'];
  const columns = ['id', 'email', 'password', 'tokenKey', 'emailVisibility', 'verified', 'created', 'updated', ...extra];
  await app.db.run(
    `INSERT INTO "users" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    [id, fields.email, await hashPassword(fields.password), randomString(50), false, fields.verified ?? true, now, now,
      ...(fields.username === undefined ? [] : [fields.username])],
  );
  return id;
}

async function patchUsers({ call }: TestApp, body: Record<string, unknown>): Promise<void> {
  const res = await call('PATCH', '/api/collections/users', { body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

const login = (t: TestApp, body: Record<string, unknown>, token: string | null = null) =>
  t.call('POST', '/api/collections/users/auth-with-password', { body, token });

eachAppDialect('auth-methods answers PocketBase shape for every auth collection, 404 otherwise', async ({ call }) => {
  const expected = {
    password: { enabled: true, identityFields: ['email'] },
    oauth2: { enabled: false, providers: [] },
    mfa: { enabled: false, duration: 0 },
    otp: { enabled: false, duration: 0 },
    totp: { enabled: true },
    authProviders: [],
    usernamePassword: false,
    emailPassword: true,
  };
  for (const name of ['users', '_superusers', '_pb_users_auth_']) {
    const res = await call('GET', `/api/collections/${name}/auth-methods`, { token: null });
    assert.equal(res.status, 200, name);
    assert.deepEqual(res.body, expected, name);
  }
  // What the JS SDK asks for: the legacy keys are dropped by ?fields.
  const sdk = await call('GET', '/api/collections/users/auth-methods?fields=mfa,otp,password,oauth2', { token: null });
  assert.deepEqual(Object.keys(sdk.body).sort(), ['mfa', 'oauth2', 'otp', 'password']);

  assert.equal((await call('GET', '/api/collections/missing/auth-methods', { token: null })).status, 404);
  await call('POST', '/api/collections', { body: { name: 'posts' } });
  assert.equal((await call('GET', '/api/collections/posts/auth-methods', { token: null })).status, 404);

  await call('PATCH', '/api/collections/users', { body: { passwordAuth: { enabled: false } } });
  const disabled = await call('GET', '/api/collections/users/auth-methods', { token: null });
  assert.deepEqual(disabled.body.password, { enabled: false, identityFields: [] });
  assert.equal(disabled.body.emailPassword, false);
  const res = await login({ call } as TestApp, { identity: 'a@example.com', password: 'whatever 123' });
  assert.equal(res.status, 403);
});

eachAppDialect('the default users collection is PocketBase’s', async ({ call }) => {
  const res = await call('GET', '/api/collections/users');
  assert.equal(res.status, 200);
  const c = res.body;
  assert.equal(c.id, '_pb_users_auth_');
  assert.equal(c.type, 'auth');
  assert.equal(c.system, false);
  for (const rule of ['listRule', 'viewRule', 'updateRule', 'deleteRule']) assert.equal(c[rule], 'id = @request.auth.id', rule);
  assert.equal(c.createRule, '');
  assert.equal(c.authRule, '');
  assert.equal(c.manageRule, null);
  const names = c.fields.map((f: { name: string }) => f.name);
  for (const n of ['id', 'password', 'tokenKey', 'email', 'emailVisibility', 'verified', 'name', 'avatar', 'created', 'updated']) {
    assert.ok(names.includes(n), n);
  }
  const avatar = c.fields.find((f: { name: string }) => f.name === 'avatar');
  assert.equal(avatar.type, 'file');
  assert.equal(avatar.maxSelect, 1);
  assert.deepEqual(avatar.mimeTypes, ['image/jpeg', 'image/png', 'image/svg+xml', 'image/gif', 'image/webp']);
  assert.deepEqual(c.passwordAuth, { enabled: true, identityFields: ['email'] });
  assert.equal(c.oauth2.mappedFields.name, 'name');
  assert.equal(c.oauth2.mappedFields.avatarURL, 'avatar');
});

eachAppDialect('authRule: checked after the password, null blocks non-superusers, an expression filters', async (t) => {
  const { app } = t;
  await insertUser(app, { email: 'ok@example.com', password: 'password one', verified: true });
  await insertUser(app, { email: 'new@example.com', password: 'password two', verified: false });

  await patchUsers(t, { authRule: 'verified = true' });
  const ok = await login(t, { identity: 'ok@example.com', password: 'password one' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const refused = await login(t, { identity: 'new@example.com', password: 'password two' });
  assert.equal(refused.status, 403);
  assert.deepEqual(refused.body, { status: 403, message: AUTH_RULE_FAILED, data: {} });
  // A wrong password is still the generic 400, never a hint that the rule would refuse.
  const wrong = await login(t, { identity: 'new@example.com', password: 'nope nope' });
  assert.equal(wrong.status, 400);

  // Refresh re-checks the rule: un-verifying the user stops its refreshes.
  const userToken: string = ok.body.token;
  assert.equal((await t.call('POST', '/api/collections/users/auth-refresh', { token: userToken })).status, 200);
  await app.db.run(`UPDATE "users" SET "verified" = ? WHERE "email" = ?`, [false, 'ok@example.com']);
  const refresh = await t.call('POST', '/api/collections/users/auth-refresh', { token: userToken });
  assert.equal(refresh.status, 403);
  assert.equal(refresh.body.message, AUTH_RULE_FAILED);

  await patchUsers(t, { authRule: null });
  assert.equal((await login(t, { identity: 'new@example.com', password: 'password two' })).status, 403);
  // A superuser requester passes a null rule (PocketBase: superusers bypass every rule).
  const asSuperuser = await login(t, { identity: 'new@example.com', password: 'password two' }, t.token);
  assert.equal(asSuperuser.status, 200);
  assert.equal(asSuperuser.body.record.email, 'new@example.com');

  // `@request.auth` is the requester before login: a guest never satisfies a rule on it.
  await patchUsers(t, { authRule: '@request.auth.id != ""' });
  assert.equal((await login(t, { identity: 'ok@example.com', password: 'password one' })).status, 403);
});

eachAppDialect('identityFields: email first when it looks like one, other unique fields, explicit identityField', async (t) => {
  const current = await t.call('GET', '/api/collections/users');
  await patchUsers(t, {
    fields: [...current.body.fields, { type: 'text', name: 'username', max: 100 }],
    indexes: [...current.body.indexes, 'CREATE UNIQUE INDEX "idx_users_username" ON "users" ("username")'],
    passwordAuth: { enabled: true, identityFields: ['username', 'email'] },
  });
  await insertUser(t.app, { email: 'alice@example.com', password: 'alice password', username: 'alice' });
  // A username that looks like an email of someone else: email is tried first.
  await insertUser(t.app, { email: 'bob@example.com', password: 'bob password', username: 'alice@example.com' });

  const byUsername = await login(t, { identity: 'alice', password: 'alice password' });
  assert.equal(byUsername.status, 200, JSON.stringify(byUsername.body));
  assert.equal(byUsername.body.record.username, 'alice');
  const byEmail = await login(t, { identity: 'alice@example.com', password: 'alice password' });
  assert.equal(byEmail.status, 200);
  assert.equal(byEmail.body.record.email, 'alice@example.com');
  const explicit = await login(t, { identity: 'alice@example.com', password: 'bob password', identityField: 'username' });
  assert.equal(explicit.status, 200);
  assert.equal(explicit.body.record.email, 'bob@example.com');
  const notListed = await login(t, { identity: 'alice', password: 'alice password', identityField: 'name' });
  assert.equal(notListed.status, 400);

  const methods = await t.call('GET', '/api/collections/users/auth-methods', { token: null });
  assert.deepEqual(methods.body.password, { enabled: true, identityFields: ['username', 'email'] });
  assert.equal(methods.body.usernamePassword, true);
  assert.equal(methods.body.emailPassword, true);
});

eachAppDialect('auth responses go through record shaping: expand as the logged-in record, hidden fields, ?fields', async (t) => {
  const teams = await t.call('POST', '/api/collections', {
    body: { name: 'teams', fields: [{ name: 'title', type: 'text' }], viewRule: '@request.auth.id != ""' },
  });
  assert.equal(teams.status, 200, JSON.stringify(teams.body));
  const team = await t.call('POST', '/api/collections/teams/records', { body: { title: 'Blue' } });
  assert.equal(team.status, 200, JSON.stringify(team.body));
  const current = await t.call('GET', '/api/collections/users');
  await patchUsers(t, {
    fields: [
      ...current.body.fields,
      { type: 'relation', name: 'team', collectionId: teams.body.id, maxSelect: 1 },
      { type: 'text', name: 'note', hidden: true },
    ],
  });
  const id = await insertUser(t.app, { email: 'carol@example.com', password: 'carol password' });
  await t.app.db.run(`UPDATE "users" SET "team" = ?, "note" = ? WHERE "id" = ?`, [team.body.id, 'private', id]);

  // The guest logging in reads `teams` (viewRule needs auth) as itself: expand works.
  const res = await t.call('POST', '/api/collections/users/auth-with-password?expand=team', {
    body: { identity: 'carol@example.com', password: 'carol password' },
    token: null,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.record.email, 'carol@example.com');
  assert.equal(res.body.record.expand?.team?.title, 'Blue');
  assert.equal(res.body.record.note, undefined, 'hidden fields only for superusers');
  assert.equal(res.body.record.password, undefined);
  assert.equal(res.body.record.tokenKey, undefined);

  const refreshed = await t.call('POST', '/api/collections/users/auth-refresh?fields=token,record.id', { token: res.body.token });
  assert.equal(refreshed.status, 200);
  assert.deepEqual(Object.keys(refreshed.body).sort(), ['record', 'token']);
  assert.deepEqual(refreshed.body.record, { id });
});
