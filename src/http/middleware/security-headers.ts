/**
 * Secure defaults on every response. API responses are JSON, so the CSP forbids everything a
 * browser could do with them; static files (a built frontend under publicDir) get only the headers
 * that cannot break a page.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

const API_CSP = "default-src 'none'; frame-ancestors 'self'";

/** A step of the server's onRequest hook (server.ts), not a hook of its own. */
export function securityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'SAMEORIGIN');
  reply.header('referrer-policy', 'strict-origin-when-cross-origin');
  if (request.url.startsWith('/api/')) reply.header('content-security-policy', API_CSP);
  reply.header('x-request-id', request.id);
}
