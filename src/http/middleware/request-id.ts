/**
 * Request ids: a well-formed incoming `X-Request-Id` (set by a load balancer) is kept so one id
 * follows the request through every hop; anything else gets a fresh random id.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE_ID = /^[\w.:-]{1,128}$/;

export function requestId(raw: IncomingMessage): string {
  const incoming = raw.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : randomUUID();
}
