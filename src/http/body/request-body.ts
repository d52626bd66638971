/**
 * The body of a write request as the one plain object record code expects, whatever the content
 * type: absent or empty -> `{}`; a JSON array, string or number -> 400 (PocketBase binds bodies to
 * a map and refuses anything else).
 */
import { apiError } from '../../core/errors.js';

export function requestBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw apiError('bad_request', 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}
