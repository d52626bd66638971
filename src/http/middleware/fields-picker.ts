/**
 * PocketBase's `?fields=` on every 2xx JSON response: lists are picked item by item, anything else
 * as a whole. Compiled expressions are cached per distinct string (clients repeat the same few).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from '../../core/errors.js';
import { FieldsSyntaxError, compileFields, pickFields } from '../../lib/pick-fields.js';
import type { FieldsSpec } from '../../lib/pick-fields.js';

const cache = new Map<string, FieldsSpec | undefined>();
const CACHE_MAX = 500;

function compiled(raw: string): FieldsSpec | undefined {
  if (cache.has(raw)) return cache.get(raw);
  let spec: FieldsSpec | undefined;
  try {
    spec = compileFields(raw);
  } catch (err) {
    if (err instanceof FieldsSyntaxError) throw apiError('invalid_query_param', `Invalid fields parameter: ${err.message}.`);
    throw err;
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(raw, spec);
  return spec;
}

/**
 * A callback-style `preSerialization` hook: it runs on every JSON response, and an async hook would
 * cost a promise per response even when there is no `?fields=` (almost always).
 */
export function pickResponseFields(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: Error | null, payload?: unknown) => void,
): void {
  const raw = (request.query as Record<string, unknown> | undefined)?.fields;
  if (typeof raw !== 'string' || raw === '' || reply.statusCode >= 300 || typeof payload !== 'object' || payload === null) {
    done(null, payload);
    return;
  }
  let picked: unknown;
  try {
    picked = pick(raw, payload);
  } catch (err) {
    done(err instanceof Error ? err : new Error(String(err)));
    return;
  }
  done(null, picked);
}

function pick(raw: string, payload: object): unknown {
  const spec = compiled(raw);
  if (!spec) return payload;
  const body = payload as Record<string, unknown>;
  if (Array.isArray(body.items) && 'page' in body && 'perPage' in body) {
    return { ...body, items: pickFields(body.items, spec) };
  }
  return pickFields(payload, spec);
}
