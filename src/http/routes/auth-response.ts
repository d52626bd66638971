/**
 * PocketBase's auth response `{token, record}`. The record goes through the same output-shaping
 * step as every record response (`app.records.shape`), seen by the record that just authenticated:
 * its email shows (the owner is asking), `password`/`tokenKey` never do, hidden fields only for a
 * superuser, and `?expand=` resolves relations with that record as `@request.auth`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../app/app.js';
import type { LoginResult } from '../../auth/auth-service.js';
import type { AuthResponse } from '../../auth/password-auth.js';
import { ruleAuth } from '../../auth/rule-auth.js';
import type { RecordJson } from '../../records/record-service.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import type { RecordAuthEvent } from '../../hooks/app-hooks.js';
import type { RequestInfo } from '../../rules/index.js';
import { authRequestInfo } from './auth-request-info.js';
import { expandOption } from './records-params.js';

/**
 * Not async: with no handler bound, the shaped record's promise is the only one (refreshes run it
 * for every request). The reply lets an onRecordAuthRequest handler that skips `next()` without a
 * result answer 204, as the route hooks do, whichever flow (route-hooked or not) produced the login.
 */
export function authResponse(
  app: App,
  request: FastifyRequest,
  reply: FastifyReply,
  res: AuthResponse,
  context: RequestInfo['context'],
  authMethod: string = context ?? 'default',
): Promise<unknown> {
  const event: RecordAuthEvent = { collection: res.collection, request, record: res.record, token: res.token, authMethod };
  if (res.meta) event.meta = res.meta;
  // onRecordAuthRequest: a handler may add to `meta`, or refuse the login by throwing.
  return triggerRequest(app.hooks.onRecordAuthRequest, event, (e) => {
    const auth = ruleAuth({ collection: res.collection, record: e.record as AuthResponse['record'] });
    const ctx = {
      auth,
      isSuperuser: res.collection.name === '_superusers',
      request: authRequestInfo(request, context, auth),
    };
    return app.records.shape(res.collection, e.record, ctx, expandOption(request)).then((record) => (e.meta ? { token: e.token, record, meta: e.meta } : { token: e.token, record }));
  }, reply);
}

/**
 * A login flow's outcome as PocketBase answers it: the auth response, or — when a second method
 * is needed — 401 with only `{mfaId}` (not the error shape: the SDK reads `mfaId` from it).
 */
export async function sendLoginResult(
  app: App,
  request: FastifyRequest,
  reply: FastifyReply,
  result: LoginResult,
  context: RequestInfo['context'],
  authMethod: string = context ?? 'default',
): Promise<unknown> {
  if ('mfaId' in result) return reply.code(401).send({ mfaId: result.mfaId });
  return authResponse(app, request, reply, result, context, authMethod);
}
