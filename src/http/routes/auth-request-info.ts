/**
 * The rule request (`@request.*`) of an auth route, as the request arrived: the requester from the
 * authenticate hook (null for guests), method, headers, query and body. Auth routes evaluate
 * `authRule` against it, so it must describe the caller before any login happens.
 */
import type { FastifyRequest } from 'fastify';
import type { App } from '../../app/app.js';
import type { AuthState } from '../../auth/auth-record.js';
import { apiError } from '../../core/errors.js';
import type { Collection } from '../../core/schema.js';
import type { LoginRequest } from '../../auth/auth-service.js';
import { isSuperuser } from '../../auth/authenticate.js';
import { mfaIdOf } from '../../auth/mfa.js';
import { ruleAuth } from '../../auth/rule-auth.js';
import type { RequestInfo } from '../../rules/index.js';
import { realIp } from '../middleware/client-ip.js';

export function authRequestInfo(request: FastifyRequest, context: RequestInfo['context'], auth: RequestInfo['auth'] = ruleAuth(request.auth)): RequestInfo {
  const body = request.body;
  const query = request.query;
  return {
    auth,
    method: request.method,
    headers: request.headers,
    query: typeof query === 'object' && query !== null ? (query as Record<string, unknown>) : {},
    body: typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {},
    context,
  };
}

/** Everything a login flow needs about the request: rule request, requester, client, `mfaId`. */
export function loginRequest(app: App, request: FastifyRequest, context: RequestInfo['context']): LoginRequest {
  const userAgent = request.headers['user-agent'];
  return {
    request: authRequestInfo(request, context),
    isSuperuser: isSuperuser(request.auth),
    client: { ip: realIp(request.raw, app.settings.get().trustedProxy), userAgent: typeof userAgent === 'string' ? userAgent : '' },
    mfaId: mfaIdOf(request.query, request.body),
  };
}

/** The JSON body as an object ({} for none or a non-object). */
export function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/**
 * The caller's own auth state for self-service routes (TOTP, email change): 401 without a token,
 * 403 for a record of another collection or an API key (keys act for a record, they do not own it).
 */
export function ownAuth(request: FastifyRequest, collection: Collection): AuthState {
  const auth = request.auth;
  if (!auth) throw apiError('unauthorized', 'The request requires valid record authorization token.');
  if (auth.collection.id !== collection.id || auth.apiKey) {
    throw apiError('forbidden', 'The authorized record is not allowed to perform this action.');
  }
  return auth;
}
