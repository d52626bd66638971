/**
 * The rule request (`@request.*`) of an auth route, as the request arrived: the requester from the
 * authenticate hook (null for guests), method, headers, query and body. Auth routes evaluate
 * `authRule` against it, so it must describe the caller before any login happens.
 */
import type { FastifyRequest } from 'fastify';
import { ruleAuth } from '../../auth/rule-auth.js';
import type { RequestInfo } from '../../rules/index.js';

export function authRequestInfo(request: FastifyRequest, context: RequestInfo['context']): RequestInfo {
  const body = request.body;
  const query = request.query;
  return {
    auth: ruleAuth(request.auth),
    method: request.method,
    headers: request.headers,
    query: typeof query === 'object' && query !== null ? (query as Record<string, unknown>) : {},
    body: typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {},
    context,
  };
}
