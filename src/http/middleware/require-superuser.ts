/**
 * Guard for superuser-only routes: no identity is 401, any other identity 403 (PocketBase's
 * statuses, so the SDK and dashboard can tell "log in" from "not allowed").
 */
import type { FastifyRequest } from 'fastify';
import { isSuperuser } from '../../auth/authenticate.js';
import { apiError } from '../../core/errors.js';

export async function requireSuperuser(request: FastifyRequest): Promise<void> {
  if (!request.auth) throw apiError('unauthorized', 'The request requires valid record authorization token.');
  if (!isSuperuser(request.auth)) throw apiError('forbidden', 'The authorized record is not allowed to perform this action.');
}
