/**
 * Each named provider's user-info mapping against an in-process fake of its token and user-info
 * endpoints (a real HTTP server answering as the provider documents), through
 * `auth-with-oauth2` on both databases: the `meta` PocketBase returns, the verified flag (which
 * decides whether the new record is verified), and the mapped name on the record.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { eachAppDialect } from '../http/test-app.js';

const CLIENT_ID = 'client-id';
const CODE = 'good-code';

interface Expected {
  id: string;
  name: string;
  username: string;
  email: string;
  verified: boolean;
  avatarURL: string;
}

const USERS: Record<string, { body: unknown; expected: Expected }> = {
  google: {
    body: { sub: 'g-1', name: 'Grace Hopper', email: 'grace@example.com', email_verified: true, picture: 'https://lh3.example/g.png' },
    expected: { id: 'g-1', name: 'Grace Hopper', username: '', email: 'grace@example.com', verified: true, avatarURL: 'https://lh3.example/g.png' },
  },
  github: {
    body: { id: 4242, login: 'octo', name: 'Octo Cat', email: 'public@example.com', avatar_url: 'https://avatars.example/u/4242' },
    expected: { id: '4242', name: 'Octo Cat', username: 'octo', email: 'octo@example.com', verified: true, avatarURL: 'https://avatars.example/u/4242' },
  },
  microsoft: {
    body: { id: 'ms-7', displayName: 'Ada Lovelace', mail: 'ada@example.com', userPrincipalName: 'ada@tenant.example' },
    expected: { id: 'ms-7', name: 'Ada Lovelace', username: '', email: 'ada@example.com', verified: false, avatarURL: '' },
  },
  gitlab: {
    body: { id: 99, name: 'Linus T', username: 'linus', email: 'linus@example.com', avatar_url: 'https://gitlab.example/a.png', state: 'active', confirmed_at: '2020-01-01T00:00:00Z' },
    expected: { id: '99', name: 'Linus T', username: 'linus', email: 'linus@example.com', verified: true, avatarURL: 'https://gitlab.example/a.png' },
  },
  discord: {
    body: { id: '80351110224678912', username: 'nelly', global_name: 'Nelly', email: 'nelly@example.com', verified: true, avatar: 'abc123' },
    expected: { id: '80351110224678912', name: 'Nelly', username: 'nelly', email: 'nelly@example.com', verified: true, avatarURL: 'https://cdn.discordapp.com/avatars/80351110224678912/abc123.png' },
  },
  apple: {
    body: { sub: 'apple-001', email: 'tim@example.com', email_verified: 'true' },
    expected: { id: 'apple-001', name: '', username: '', email: 'tim@example.com', verified: true, avatarURL: '' },
  },
};

async function startFakeProviders(): Promise<{ url: string; close(): Promise<void> }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage): Promise<URLSearchParams> => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    return new URLSearchParams(text);
  };
  const server = createServer((req, res) => {
    void (async () => {
      const [, provider, ...rest] = (req.url ?? '').split('?')[0]!.split('/');
      const path = rest.join('/');
      const user = USERS[provider ?? ''];
      if (!user) return send(res, 404, {});
      if (req.method === 'POST' && path === 'token') {
        const form = await readBody(req);
        if (form.get('code') !== CODE || form.get('client_id') !== CLIENT_ID || form.get('grant_type') !== 'authorization_code' || !form.get('code_verifier')) {
          // GitHub's style: errors with 200.
          return send(res, provider === 'github' ? 200 : 400, { error: 'bad_verification_code' });
        }
        const idToken = provider === 'apple'
          ? await new SignJWT(user.body as Record<string, unknown>).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://appleid.apple.com').setAudience(CLIENT_ID).setIssuedAt().setExpirationTime('5m').sign(privateKey)
          : undefined;
        return send(res, 200, { access_token: `at-${provider}`, token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt', ...(idToken ? { id_token: idToken } : {}) });
      }
      if (provider === 'apple' && path === 'keys') return send(res, 200, { keys: [jwk] });
      if (req.headers.authorization !== `Bearer at-${provider}`) return send(res, 401, { message: 'Bad credentials' });
      if (path === 'user') return send(res, 200, user.body);
      if (provider === 'github' && path === 'user/emails') {
        return send(res, 200, [
          { email: 'public@example.com', primary: false, verified: true },
          { email: 'octo@example.com', primary: true, verified: true },
        ]);
      }
      return send(res, 404, {});
    })().catch(() => send(res, 500, {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

eachAppDialect('named providers: each one\'s user info maps onto PocketBase\'s OAuth2 user', async (t) => {
  const fake = await startFakeProviders();
  try {
    const providers = Object.keys(USERS).map((name) => ({
      name,
      clientId: CLIENT_ID,
      clientSecret: 'secret',
      tokenURL: `${fake.url}/${name}/token`,
      userInfoURL: name === 'apple' ? `${fake.url}/apple/keys` : `${fake.url}/${name}/user`,
    }));
    const patched = await t.call('PATCH', '/api/collections/users', { body: { oauth2: { enabled: true, providers } } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));

    const methods = await t.call('GET', '/api/collections/users/auth-methods', { token: null });
    assert.deepEqual(methods.body.oauth2.providers.map((p: { displayName: string }) => p.displayName), ['Google', 'GitHub', 'Microsoft', 'GitLab', 'Discord', 'Apple']);
    const github = methods.body.oauth2.providers.find((p: { name: string }) => p.name === 'github');
    const authURL = new URL(github.authURL);
    assert.equal(authURL.origin + authURL.pathname, 'https://github.com/login/oauth/authorize');
    assert.equal(authURL.searchParams.get('scope'), 'read:user user:email');
    assert.equal(authURL.searchParams.get('code_challenge'), github.codeChallenge);

    for (const [name, { expected }] of Object.entries(USERS)) {
      const login = (code: string) => t.call('POST', '/api/collections/users/auth-with-oauth2', {
        body: { provider: name, code, codeVerifier: 'v'.repeat(43), redirectURL: 'http://app.test/api/oauth2-redirect' },
        token: null,
      });
      const bad = await login('wrong');
      assert.equal(bad.status, 400, name);
      assert.equal(bad.body.message, 'Failed to authenticate.');
      const res = await login(CODE);
      assert.equal(res.status, 200, `${name}: ${JSON.stringify(res.body)}`);
      const { id, name: display, username, email, avatarURL, isNew, accessToken } = res.body.meta;
      const { verified: _v, ...mapped } = expected;
      assert.deepEqual({ id, name: display, username, email, avatarURL }, mapped, name);
      assert.equal(isNew, true, name);
      assert.equal(accessToken, `at-${name}`);
      assert.equal(res.body.record.email, expected.email, name);
      assert.equal(res.body.record.verified, expected.verified, `${name}: verified flag`);
      assert.equal(res.body.record.name, expected.name, `${name}: mapped name`);
    }
  } finally {
    await fake.close();
  }
});
