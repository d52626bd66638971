/**
 * What Galley adds to every Fastify request: the requester's identity (or null for guests) and the
 * token it came with, set once by the authenticate hook before any route runs.
 */
import type { AuthState } from '../auth/auth-record.js';
import type { ApiError } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated record and its collection; null for guests (and for invalid tokens). */
    auth: AuthState | null;
    /** The raw token of `auth`, for auth-refresh (which may echo it). */
    authToken: string | undefined;
    /** The API error this request answered with, for the request log. */
    apiError: ApiError | undefined;
  }
}

export type { AuthState };
