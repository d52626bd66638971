/**
 * A real OpenID Provider in-process (`oidc-provider`, its development login/consent pages) and a
 * tiny "browser" that signs in on it with fetch and a cookie jar, following redirects until the
 * provider sends it to the app's redirect URL.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface OidcAccount {
  sub: string;
  email: string;
  email_verified: boolean;
  name: string;
  picture: string;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

export async function startOidcProvider(redirectUri: string, accounts: Record<string, OidcAccount>): Promise<TestOidcProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'galley-test';
  const clientSecret = 'a long enough client secret for the test provider';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    async findAccount(_ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ ...account }) };
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * Opens `url` like a browser, signs in as `accountId` and consents on the provider's development
 * pages, and returns the URL the provider finally redirects to that starts with `stopAt`.
 */
export async function browserSignIn(url: string, accountId: string, stopAt: string): Promise<URL> {
  const jar = new Map<string, string>();
  const cookieHeader = (): string => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let next = new URL(url);
  let form: URLSearchParams | undefined;
  for (let hops = 0; hops < 20; hops++) {
    if (next.href.startsWith(stopAt)) return next;
    const res = await fetch(next, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: cookieHeader(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: form } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    form = undefined;
    const location = res.headers.get('location');
    if (location) {
      await res.arrayBuffer();
      next = new URL(location, next);
      continue;
    }
    const html = await res.text();
    const prompt = /name="prompt" value="(login|consent)"/.exec(html)?.[1];
    if (res.status !== 200 || !prompt) throw new Error(`unexpected provider page ${res.status}: ${html.slice(0, 300)}`);
    form = new URLSearchParams({ prompt, ...(prompt === 'login' ? { login: accountId, password: 'any' } : {}) });
  }
  throw new Error('too many redirects');
}
