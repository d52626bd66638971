/**
 * GraphQL errors in the spec's shape (`{message, locations, path, extensions}`) carrying Galley's
 * error code, HTTP-equivalent status and per-field `data` in `extensions`. Unexpected failures are
 * reported by the caller's `onUnexpected` (logged with the request id) and answered with the
 * registry's safe `internal` message: no stack, no SQL.
 */
import { GraphQLError } from 'graphql';
import type { GraphQLFormattedError } from 'graphql';
import { apiError, ApiError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';

/** Turns any thrown value into an ApiError (the HTTP layer's mapping: database errors, ...). */
export type ErrorMapper = (err: unknown) => { error: ApiError; unexpected: boolean };

export function galleyGraphQLError(code: ErrorCode, message?: string, nodes?: GraphQLError['nodes']): GraphQLError {
  const e = apiError(code, message);
  return new GraphQLError(e.message, { ...(nodes ? { nodes } : {}), extensions: { code, status: e.status, data: {} } });
}

export function formatGraphQLError(err: GraphQLError, map: ErrorMapper, onUnexpected: (err: unknown) => void): GraphQLFormattedError {
  const where = {
    ...(err.locations ? { locations: err.locations } : {}),
    ...(err.path ? { path: err.path } : {}),
  };
  const original = err.originalError;
  if (original === undefined || original instanceof GraphQLError) {
    // graphql-js's own errors (syntax, validation, variable coercion) or ours built above
    const ext = err.extensions ?? {};
    if (typeof ext.code === 'string' && typeof ext.status === 'number') return { message: err.message, ...where, extensions: ext };
    return { message: err.message, ...where, extensions: { code: 'bad_request', status: 400, data: {} } };
  }
  const { error, unexpected } = map(original);
  if (unexpected) onUnexpected(original);
  return { message: error.message, ...where, extensions: { code: error.code, status: error.status, data: error.data } };
}

export { ApiError };
