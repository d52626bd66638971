/**
 * `POST /api/collections/{c}/auth-with-oauth2`: `{provider, code, codeVerifier, redirectURL,
 * createData}` -> auth response with `meta` (or 401 `{mfaId}`), as PocketBase. The provider's user
 * becomes a record in `OAuth2Service` (docs/oauth2.md); the login completes like every other.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { OAuth2Service } from '../../auth/oauth2/oauth2-service.js';
import { authCollection } from '../../auth/password-auth.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { bodyOf, loginRequest } from './auth-request-info.js';
import { sendLoginResult } from './auth-response.js';
import type { CollectionParams } from './collection-params.js';

const services = new WeakMap<App, OAuth2Service>();

/** The app's OAuth2 service (one per app: it caches OIDC discovery). */
export function oauth2Service(app: App): OAuth2Service {
  let service = services.get(app);
  if (!service) {
    service = new OAuth2Service({ db: app.db, records: app.records });
    services.set(app, service);
  }
  return service;
}

export function authWithOAuth2Route(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/auth-with-oauth2',
    handler: async function authWithOAuth2Handler(request, reply) {
      const { collection: name } = request.params as CollectionParams;
      const collection = authCollection(app.collections, name);
      return triggerRequest(app.hooks.onRecordAuthWithOAuth2Request, { collection, request, body: bodyOf(request) }, async ({ body }) => {
        const login = loginRequest(app, request, 'oauth2');
        const { record, meta } = await oauth2Service(app).authenticate(
          collection,
          {
            provider: body.provider,
            code: body.code,
            codeVerifier: body.codeVerifier,
            redirectURL: body.redirectURL ?? body.redirectUrl,
            createData: body.createData,
          },
          login.isSuperuser,
        );
        const res = await app.auth.completeLogin({ collection, record, method: 'oauth2', request: login, meta });
        return sendLoginResult(app, request, reply, res, 'oauth2');
      }, reply);
    },
  };
}
