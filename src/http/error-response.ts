/**
 * The one place where anything thrown while handling a request becomes PocketBase's
 * `{status, message, data}`. Client mistakes map to their 4xx codes; everything else is a 500 whose
 * body says nothing about the cause (no stack, no SQL); the cause is logged with the request id.
 */
import { ApiError, apiError, isApiError } from '../core/errors.js';
import type { ErrorCode, ErrorData } from '../core/errors.js';
import { fieldError } from '../core/errors.js';
import { dbErrorKind } from '../db/db-error-kind.js';

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  validation?: Array<{ instancePath?: string; keyword?: string; params?: Record<string, unknown>; message?: string }>;
  validationContext?: string;
}

const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_ASYNC_CONSTRAINT: 'bad_request',
  FST_ERR_NOT_FOUND: 'not_found',
};

const STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'too_many_requests',
  503: 'unavailable',
};

/** The client-facing error for `err`, and whether it is an unexpected server failure. */
export function toApiError(err: unknown): { error: ApiError; unexpected: boolean } {
  if (isApiError(err)) return { error: err, unexpected: err.status >= 500 };
  const e = (typeof err === 'object' && err !== null ? err : {}) as FastifyLikeError;
  if (Array.isArray(e.validation)) {
    return { error: apiError('validation_failed', undefined, validationData(e.validation), err), unexpected: false };
  }
  const byCode = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  if (byCode) return { error: apiError(byCode, undefined, undefined, err), unexpected: false };
  // Other errors raised by Fastify or its plugins for bad input carry a 4xx statusCode.
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    return { error: apiError(STATUS_CODES[status] ?? 'bad_request', undefined, undefined, err), unexpected: false };
  }
  if (status === 503) return { error: apiError('unavailable', undefined, undefined, err), unexpected: false };
  // Whatever route passed it along, text the database refuses to store came from the client.
  const kind = dbErrorKind(err);
  if (kind === 'invalid_text') return { error: apiError('bad_request', undefined, undefined, err), unexpected: false };
  if (kind === 'busy') return { error: apiError('unavailable', undefined, undefined, err), unexpected: true };
  return { error: apiError('internal', undefined, undefined, err), unexpected: true };
}

/** Ajv errors (route schemas) as PocketBase field errors, nested by their JSON path. */
function validationData(errors: NonNullable<FastifyLikeError['validation']>): ErrorData {
  const data: ErrorData = {};
  for (const v of errors) {
    const path = (v.instancePath ?? '').split('/').filter((p) => p !== '');
    if (v.keyword === 'required' && typeof v.params?.missingProperty === 'string') path.push(v.params.missingProperty);
    if (path.length === 0) continue;
    let node = data;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as ErrorData;
    const last = path[path.length - 1]!;
    node[last] ??= v.keyword === 'required' ? fieldError('validation_required') : fieldError('validation_invalid_value');
  }
  return data;
}

export { ApiError };
