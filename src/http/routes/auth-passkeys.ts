/**
 * Passkey routes (Galley; docs/passkeys.md), under `/api/collections/{c}/`:
 * the record's own passkeys (`passkeys`, `passkeys/register-options`, `passkeys/register`,
 * `DELETE passkeys/{id}`) and the login (`auth-with-passkey-options`, `auth-with-passkey`,
 * which answers like every login: auth response or 401 `{mfaId}`).
 */
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { findAuthRecord } from '../../auth/auth-record.js';
import type { AuthRecord } from '../../auth/auth-record.js';
import { ensureAuthTables } from '../../auth/auth-tables.js';
import { PasskeyService, relyingParty } from '../../auth/passkeys/passkey-service.js';
import type { RelyingParty } from '../../auth/passkeys/passkey-service.js';
import { authCollection } from '../../auth/password-auth.js';
import type { Collection } from '../../core/schema.js';
import { bodyOf, loginRequest, ownAuth } from './auth-request-info.js';
import { sendLoginResult } from './auth-response.js';
import type { CollectionParams } from './collection-params.js';
import { namedHandler } from './named-handler.js';

const services = new WeakMap<App, PasskeyService>();

function passkeys(app: App): PasskeyService {
  let service = services.get(app);
  if (!service) {
    service = new PasskeyService(app.db);
    services.set(app, service);
  }
  return service;
}

function rp(app: App): RelyingParty {
  const meta = app.settings.get().meta;
  return relyingParty(meta.appURL, meta.appName);
}

/** What a passkey route's handler works with: the URL's auth collection and the passkey service. */
interface PasskeyRequest {
  request: FastifyRequest;
  reply: FastifyReply;
  collection: Collection;
  passkeys: PasskeyService;
  /** The record the caller is authenticated as, in this collection (401/403 otherwise). */
  own(): AuthRecord;
}

function passkeyRoute(app: App, method: 'GET' | 'POST' | 'DELETE', path: string, name: string, handle: (r: PasskeyRequest) => Promise<unknown>): RouteOptions {
  return {
    method,
    url: `/api/collections/:collection/${path}`,
    handler: namedHandler(name, async (request, reply) => {
      const collection = authCollection(app.collections, (request.params as CollectionParams).collection);
      return handle({ request, reply, collection, passkeys: passkeys(app), own: () => ownAuth(request, collection).record });
    }),
  };
}

export function authPasskeysListRoute(app: App): RouteOptions {
  return passkeyRoute(app, 'GET', 'passkeys', 'passkeysListHandler', async (r) => ({ items: await r.passkeys.list(r.collection, r.own()) }));
}

export function authPasskeysRegisterOptionsRoute(app: App): RouteOptions {
  return passkeyRoute(app, 'POST', 'passkeys/register-options', 'passkeysRegisterOptionsHandler', (r) =>
    r.passkeys.registrationOptions(rp(app), r.collection, r.own()));
}

export function authPasskeysRegisterRoute(app: App): RouteOptions {
  return passkeyRoute(app, 'POST', 'passkeys/register', 'passkeysRegisterHandler', (r) => {
    const body = bodyOf(r.request);
    return r.passkeys.register(rp(app), r.collection, r.own(), body.credential, body.name);
  });
}

export function authPasskeysDeleteRoute(app: App): RouteOptions {
  return passkeyRoute(app, 'DELETE', 'passkeys/:id', 'passkeysDeleteHandler', async (r) => {
    await r.passkeys.remove(r.collection, r.own(), (r.request.params as { id: string }).id);
    return r.reply.code(204).send();
  });
}

export function authWithPasskeyOptionsRoute(app: App): RouteOptions {
  return passkeyRoute(app, 'POST', 'auth-with-passkey-options', 'authWithPasskeyOptionsHandler', async ({ request, collection, passkeys }) => {
    const body = bodyOf(request);
    const login = loginRequest(app, request, 'passkey');
    let record: AuthRecord | undefined;
    if (login.mfaId !== '') {
      // The second step of an MFA login: only the session's record's passkeys.
      await ensureAuthTables(app.db);
      const row = await app.db.get(`SELECT "recordRef" FROM "_mfas" WHERE "id" = ? AND "collectionRef" = ?`, [login.mfaId, collection.id]);
      if (row) record = await findAuthRecord(app.db, collection, 'id', String(row.recordRef));
    } else if (typeof body.identity === 'string' && body.identity !== '' && body.identity.length <= 255) {
      // Unknown identities get the same (discoverable) options: the answer does not tell who is registered.
      record = await findAuthRecord(app.db, collection, 'email', body.identity);
    }
    return passkeys.authenticationOptions(rp(app), collection, record);
  });
}

export function authWithPasskeyRoute(app: App): RouteOptions {
  return passkeyRoute(app, 'POST', 'auth-with-passkey', 'authWithPasskeyHandler', async ({ request, reply, collection, passkeys }) => {
    const record = await passkeys.authenticate(rp(app), collection, bodyOf(request).credential);
    const res = await app.auth.completeLogin({ collection, record, method: 'passkey', request: loginRequest(app, request, 'passkey') });
    return sendLoginResult(app, request, reply, res, 'passkey');
  });
}
