/**
 * OAuth2 with a real OpenID Provider (oidc-provider, in-process) through the PocketBase SDK, both
 * databases: the code exchange (`authWithOAuth2Code`: new user with createData, then the same
 * provider user logs in again as the same record), linking to an existing user by verified email
 * only, and the all-in-one `authWithOAuth2()` whose code arrives over realtime via
 * `/api/oauth2-redirect`.
 */
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';
import { client, rejectsWith } from '../auth/auth-fixture.js';
import { browserSignIn, startOidcProvider } from './oidc-provider-fixture.js';
import type { OidcAccount, TestOidcProvider } from './oidc-provider-fixture.js';

(globalThis as unknown as { EventSource: unknown }).EventSource ??= EventSource;

const ACCOUNTS: Record<string, OidcAccount> = {
  alice: { sub: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice Liddell', picture: 'https://img.example/alice.png' },
  bob: { sub: 'bob', email: 'bob@example.com', email_verified: false, name: 'Bob', picture: '' },
  carol: { sub: 'carol', email: 'carol@example.com', email_verified: true, name: 'Carol', picture: '' },
};

async function withProvider(t: TestApp, fn: (op: TestOidcProvider, redirect: string) => Promise<void>): Promise<void> {
  const redirect = `${t.url}/api/oauth2-redirect`;
  const op = await startOidcProvider(redirect, ACCOUNTS);
  try {
    const res = await t.call('PATCH', '/api/collections/users', {
      body: {
        oauth2: {
          enabled: true,
          providers: [{ name: 'oidc', displayName: 'Test OP', clientId: op.clientId, clientSecret: op.clientSecret, extra: { issuer: op.issuer } }],
        },
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(!JSON.stringify(res.body).includes(op.clientSecret), 'the client secret is never returned');
    await fn(op, redirect);
  } finally {
    await op.close();
  }
}

/** One code-exchange login as `account` through the SDK. */
async function codeLogin(t: TestApp, redirect: string, account: string, createData?: Record<string, unknown>) {
  const pb = client(t.url);
  const methods = await pb.collection('users').listAuthMethods();
  assert.equal(methods.oauth2.enabled, true);
  const provider = methods.oauth2.providers.find((p) => p.name === 'oidc');
  assert.ok(provider);
  assert.equal(provider.displayName, 'Test OP');
  assert.equal(provider.codeChallengeMethod, 'S256');
  assert.ok(provider.authURL.endsWith('&redirect_uri='));
  const back = await browserSignIn(provider.authURL + encodeURIComponent(redirect), account, redirect);
  assert.equal(back.searchParams.get('state'), provider.state);
  const code = back.searchParams.get('code');
  assert.ok(code, back.href);
  const auth = await pb.collection('users').authWithOAuth2Code('oidc', code, provider.codeVerifier, redirect, createData);
  return { pb, auth };
}

eachAppDialect('OIDC code exchange through the SDK: sign-up with createData, returning login, verified-email linking', async (t) => {
  await withProvider(t, async (_op, redirect) => {
    // A new user: the record is created from createData + the mapped name; the email is verified by the provider.
    const first = await codeLogin(t, redirect, 'alice', { emailVisibility: true });
    assert.equal(first.auth.meta?.isNew, true);
    assert.equal(first.auth.meta?.id, 'alice');
    assert.equal(first.auth.meta?.email, 'alice@example.com');
    assert.equal(first.auth.meta?.name, 'Alice Liddell');
    assert.equal(first.auth.meta?.avatarURL, 'https://img.example/alice.png');
    assert.ok(typeof first.auth.meta?.accessToken === 'string' && first.auth.meta.accessToken !== '');
    assert.equal(first.auth.record.email, 'alice@example.com');
    assert.equal(first.auth.record.verified, true);
    assert.equal(first.auth.record.name, 'Alice Liddell');
    assert.equal(first.auth.record.emailVisibility, true);
    assert.ok(first.pb.authStore.isValid);
    const claims = JSON.parse(Buffer.from(first.auth.token.split('.')[1]!, 'base64url').toString());
    assert.deepEqual(claims.amr, ['oauth2']);

    // The same provider user again: the same record, not new.
    const again = await codeLogin(t, redirect, 'alice');
    assert.equal(again.auth.meta?.isNew, false);
    assert.equal(again.auth.record.id, first.auth.record.id);

    // A code works once.
    const pb = client(t.url);
    const reuse = await rejectsWith(pb.collection('users').authWithOAuth2Code('oidc', 'not-a-code', 'x'.repeat(43), redirect));
    assert.equal(reuse.status, 400);

    // An existing user with the provider's verified email is linked, not duplicated.
    const carol = await t.call('POST', '/api/collections/users/records', {
      body: { email: 'carol@example.com', password: 'carol password', passwordConfirm: 'carol password' },
      token: null,
    });
    const linked = await codeLogin(t, redirect, 'carol');
    assert.equal(linked.auth.record.id, carol.body.id);
    assert.equal(linked.auth.meta?.isNew, false);
    assert.equal(linked.auth.record.verified, true);

    // An unverified provider email never links: bob's existing account stays apart, and no
    // second account can take the address (the collection requires an email), so the login is refused.
    await t.call('POST', '/api/collections/users/records', {
      body: { email: 'bob@example.com', password: 'bob password', passwordConfirm: 'bob password' },
      token: null,
    });
    const bobOAuth = await rejectsWith(codeLogin(t, redirect, 'bob'));
    assert.equal(bobOAuth.status, 400);
    assert.equal(bobOAuth.response.data.email.code, 'validation_not_unique');

    const links = await t.app.db.all(`SELECT "provider", "providerId" FROM "_externalAuths" ORDER BY "providerId"`);
    assert.deepEqual(links.map((l) => `${l.provider}:${l.providerId}`), ['oidc:alice', 'oidc:carol']);
  });
});

eachAppDialect('OIDC all-in-one flow: the code reaches the SDK over realtime through /api/oauth2-redirect', async (t) => {
  await withProvider(t, async (_op, redirect) => {
    const pb = client(t.url);
    let pageStatus = 0;
    const auth = await pb.collection('users').authWithOAuth2({
      provider: 'oidc',
      createData: { name: 'ignored when mapped? no: createData wins' },
      urlCallback: async (url) => {
        const back = await browserSignIn(url, 'alice', redirect);
        // The provider's browser lands on Galley's redirect page (GET with state and code).
        const page = await fetch(back);
        pageStatus = page.status;
        await page.text();
      },
    });
    assert.equal(pageStatus, 200);
    assert.equal(auth.meta?.isNew, true);
    assert.equal(auth.record.email, 'alice@example.com');
    assert.equal(auth.record.name, 'ignored when mapped? no: createData wins');
    assert.ok(pb.authStore.isValid);

    // A redirect for a client nobody holds fails visibly and publishes nothing.
    const stray = await fetch(`${redirect}?state=nobody&code=abc`);
    assert.equal(stray.status, 400);
    await stray.text();
    // form_post (POST) is accepted the same way.
    const posted = await fetch(redirect, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'state=nobody&code=abc' });
    assert.equal(posted.status, 400);
    await posted.text();
  });
});
