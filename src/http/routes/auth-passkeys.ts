/**
 * Passkey routes (Galley; docs/passkeys.md), under `/api/collections/{c}/`:
 * the record's own passkeys (`passkeys`, `passkeys/register-options`, `passkeys/register`,
 * `DELETE passkeys/{id}`) and the login (`auth-with-passkey-options`, `auth-with-passkey`,
 * which answers like every login: auth response or 401 `{mfaId}`).
 */
import type { FastifyRequest, RouteOptions } from 'fastify';
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

function collectionOf(app: App, request: FastifyRequest): Collection {
  return authCollection(app.collections, (request.params as CollectionParams).collection);
}

export function authPasskeysListRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/collections/:collection/passkeys',
    handler: async function passkeysListHandler(request) {
      const collection = collectionOf(app, request);
      return { items: await passkeys(app).list(collection, ownAuth(request, collection).record) };
    },
  };
}

export function authPasskeysRegisterOptionsRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/passkeys/register-options',
    handler: async function passkeysRegisterOptionsHandler(request) {
      const collection = collectionOf(app, request);
      return passkeys(app).registrationOptions(rp(app), collection, ownAuth(request, collection).record);
    },
  };
}

export function authPasskeysRegisterRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/passkeys/register',
    handler: async function passkeysRegisterHandler(request) {
      const collection = collectionOf(app, request);
      const body = bodyOf(request);
      return passkeys(app).register(rp(app), collection, ownAuth(request, collection).record, body.credential, body.name);
    },
  };
}

export function authPasskeysDeleteRoute(app: App): RouteOptions {
  return {
    method: 'DELETE',
    url: '/api/collections/:collection/passkeys/:id',
    handler: async function passkeysDeleteHandler(request, reply) {
      const collection = collectionOf(app, request);
      await passkeys(app).remove(collection, ownAuth(request, collection).record, (request.params as { id: string }).id);
      return reply.code(204).send();
    },
  };
}

export function authWithPasskeyOptionsRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/auth-with-passkey-options',
    handler: async function authWithPasskeyOptionsHandler(request) {
      const collection = collectionOf(app, request);
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
      return passkeys(app).authenticationOptions(rp(app), collection, record);
    },
  };
}

export function authWithPasskeyRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/auth-with-passkey',
    handler: async function authWithPasskeyHandler(request, reply) {
      const collection = collectionOf(app, request);
      const record = await passkeys(app).authenticate(rp(app), collection, bodyOf(request).credential);
      const res = await app.auth.completeLogin({ collection, record, method: 'passkey', request: loginRequest(app, request, 'passkey') });
      return sendLoginResult(app, request, reply, res, 'passkey');
    },
  };
}
