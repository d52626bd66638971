/**
 * TOTP enrolment for the logged-in record (Galley), under `/api/collections/{c}/totp`:
 *
 * | route | body | answer |
 * |---|---|---|
 * | `GET totp` | – | `{enabled, recoveryCodesLeft}` |
 * | `POST totp/setup` | – | `{secret, uri}` (unconfirmed until confirm) |
 * | `POST totp/confirm` | `{code}` | `{recoveryCodes}` (shown once) |
 * | `POST totp/disable` | `{code}` or `{password}` | 204 |
 *
 * The four routes share one file: they are one small feature and one guard (`ownAuth`).
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import type { AuthState } from '../../auth/auth-record.js';
import { authCollection } from '../../auth/password-auth.js';
import { verifyPassword } from '../../auth/password.js';
import { confirmTotp, disableTotp, setupTotp, totpStatus, verifyTotp } from '../../auth/totp.js';
import { fieldError, validationError } from '../../core/errors.js';
import type { Collection } from '../../core/schema.js';
import { realIp } from '../middleware/client-ip.js';
import { bodyOf, ownAuth } from './auth-request-info.js';
import type { CollectionParams } from './collection-params.js';

type TotpHandler = (app: App, collection: Collection, auth: AuthState, body: Record<string, unknown>) => Promise<unknown>;

/** A route for the logged-in record's own TOTP enrolment. */
function totpRoute(method: 'GET' | 'POST', path: string, run: TotpHandler): (app: App) => RouteOptions {
  return (app) => ({
    method,
    url: `/api/collections/:collection/${path}`,
    handler: async function totpHandler(request) {
      const collection = authCollection(app.collections, (request.params as CollectionParams).collection);
      return run(app, collection, ownAuth(request, collection), bodyOf(request));
    },
  });
}

export const authTotpStatusRoute = totpRoute('GET', 'totp', (app, c, auth) => totpStatus(app.auth.totpDeps, c, auth.record.id));
export const authTotpSetupRoute = totpRoute('POST', 'totp/setup', (app, c, auth) => setupTotp(app.auth.totpDeps, c, auth.record));
export const authTotpConfirmRoute = totpRoute('POST', 'totp/confirm', (app, c, auth, body) => confirmTotp(app.auth.totpDeps, c, auth.record, body.code));

export function authTotpDisableRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/totp/disable',
    handler: async function authTotpDisableHandler(request, reply) {
      const collection = authCollection(app.collections, (request.params as CollectionParams).collection);
      const auth = ownAuth(request, collection);
      const body = bodyOf(request);
      const subject = { kind: 'totp' as const, identity: `${collection.id}:${auth.record.id}`, ip: realIp(request.raw, app.settings.get().trustedProxy) };
      await app.auth.guard.assertAllowed(subject);
      // A stolen session alone must not switch the second factor off: a fresh proof is needed.
      const ok =
        (typeof body.code === 'string' && body.code !== '' && (await verifyTotp(app.auth.totpDeps, collection, auth.record, body.code))) ||
        (typeof body.password === 'string' && body.password !== '' && (await verifyPassword(auth.record.password, body.password)));
      if (!ok) {
        await app.auth.guard.recordFailure(subject);
        throw validationError({ code: fieldError('validation_invalid_value', undefined, 'A current code or the password is required.') }, 'Failed to disable TOTP.');
      }
      await disableTotp(app.auth.totpDeps, collection, auth.record.id);
      return reply.code(204).send();
    },
  };
}
