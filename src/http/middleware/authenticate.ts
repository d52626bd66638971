/**
 * Resolves `Authorization` into `request.auth` before any route runs. An invalid or expired token
 * leaves the request a guest; only guards like `requireSuperuser` answer 401/403.
 */
import type { FastifyRequest } from 'fastify';
import type { AuthDeps } from '../../auth/authenticate.js';
import { authenticateToken, tokenFromHeader } from '../../auth/authenticate.js';

export function authenticateHook(deps: AuthDeps) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const token = tokenFromHeader(request.headers.authorization);
    if (!token) return;
    const auth = await authenticateToken(deps, token);
    if (!auth) return;
    request.auth = auth;
    request.authToken = token;
  };
}
