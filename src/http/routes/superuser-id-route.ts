/**
 * The shape of the superuser-only routes that act on one row named by the URL's `:id` (a job, a
 * log): the guard, the id, one call. `name` names the handler, so stack traces and profiles say
 * which route ran.
 */
import type { RouteOptions } from 'fastify';
import { apiError } from '../../core/errors.js';
import { requireSuperuser } from '../middleware/require-superuser.js';
import { namedHandler } from './named-handler.js';

export function superuserIdRoute(method: 'GET' | 'POST', url: string, name: string, run: (id: string) => Promise<unknown>): RouteOptions {
  const handler = namedHandler(name, async (request) => run((request.params as { id: string }).id));
  return { method, url, preHandler: requireSuperuser, handler };
}

/** `value`, or a 404 `not_found` (with `message`, else the registry's) when there is none. */
export function foundOr404<T>(value: T | null | undefined, message?: string): T {
  if (value === undefined || value === null) throw apiError('not_found', message);
  return value;
}
