/**
 * Resolves `Authorization` into `request.auth` before any route runs. An invalid or expired token
 * leaves the request a guest; only guards like `requireSuperuser` answer 401/403.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { AuthDeps } from '../../auth/authenticate.js';
import { authenticateToken, tokenFromHeader } from '../../auth/authenticate.js';

export function authenticateHook(deps: AuthDeps) {
  // Callback-style: guests (most requests) pass synchronously, without a promise per request.
  return function authenticate(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const token = tokenFromHeader(request.headers.authorization);
    if (!token) {
      done();
      return;
    }
    authenticateToken(deps, token).then((auth) => {
      if (auth) {
        request.auth = auth;
        request.authToken = token;
      }
      done();
    }, done);
  };
}
