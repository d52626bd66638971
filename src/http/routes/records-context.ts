/**
 * What the record engine needs to know about the requester, built from the Fastify request: the
 * auth record in the rules' shape (`ruleAuth`), whether it is a superuser, and the request values
 * `@request.*` reads. The record service fills `body` itself for write rules.
 */
import type { FastifyRequest } from 'fastify';
import { isSuperuser } from '../../auth/authenticate.js';
import { ruleAuth } from '../../auth/rule-auth.js';
import type { RecordContext } from '../../records/record-service.js';

export function recordContext(request: FastifyRequest, context = 'default'): RecordContext {
  const auth = ruleAuth(request.auth);
  return {
    auth,
    isSuperuser: isSuperuser(request.auth),
    request: {
      auth,
      method: request.method,
      headers: request.headers as Record<string, unknown>,
      query: (request.query ?? {}) as Record<string, unknown>,
      context,
    },
  };
}

/** Who owns an Idempotency-Key: the auth record, or the client IP for guests. */
export function idempotencyScope(request: FastifyRequest): string {
  return request.auth ? `auth:${request.auth.collection.id}:${request.auth.record.id}` : `ip:${request.ip}`;
}
