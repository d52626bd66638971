/**
 * Request ids: a well-formed incoming `X-Request-Id` (set by a load balancer) is kept so one id
 * follows the request through every hop; anything else gets a fresh id, unique across processes:
 * a random per-process prefix and a counter (a UUID per request was a measurable share of the
 * cheapest reads, and an id only has to be unique, not unguessable).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE_ID = /^[\w.:-]{1,128}$/;
const PREFIX = `${randomBytes(9).toString('base64url')}-`;
let counter = 0;

export function requestId(raw: IncomingMessage): string {
  const incoming = raw.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : PREFIX + (++counter).toString(36);
}
