/** Path and query parameters shared by the record routes. */
import type { FastifyRequest } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError } from '../../core/errors.js';
import type { Collection } from '../../core/schema.js';
import { compileFields, FieldsSyntaxError } from '../../lib/pick-fields.js';

export interface RecordsParams {
  collection: string;
  id?: string;
}

/** The last value of a query parameter given as a string (repeated params: the last wins). */
export function queryString(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return typeof last === 'string' ? last : undefined;
}

/** `{expand}` when the query has one, else `{}` (the service options are exact optional types). */
export function expandOption(request: FastifyRequest): { expand?: string } {
  const expand = queryString(request, 'expand');
  return expand ? { expand } : {};
}

/** The collection of `:collection` if this node has it loaded (see `routeCollection` for a miss). */
export function loadedCollection(app: App, request: FastifyRequest): Collection | undefined {
  return app.collections.find((request.params as RecordsParams).collection);
}

/**
 * The collection of `:collection`, found fresh: a collection another node created a moment ago is
 * loaded on the miss instead of answering 404.
 */
export async function routeCollection(app: App, request: FastifyRequest): Promise<Collection> {
  const { collection } = request.params as RecordsParams;
  const found = app.collections.find(collection) ?? (await app.collections.findFresh(collection));
  if (!found) throw apiError('collection_not_found');
  return found;
}

/**
 * The `:id` path parameter. No record id can contain NUL, and PostgreSQL refuses NUL in text
 * parameters outright (an error, not "no rows"), so such an id is answered 404 before any query.
 */
export function recordId(request: FastifyRequest): string {
  const id = (request.params as RecordsParams).id ?? '';
  if (id.includes('\0')) throw apiError('not_found');
  return id;
}

/**
 * Checks `?fields=` before a write. The fields middleware applies it when the response is
 * serialised, after the transaction committed: a broken expression found there would answer 400
 * for a write that happened. Compiling a short expression is cheap next to the write.
 */
export function checkFieldsParam(request: FastifyRequest): void {
  const fields = queryString(request, 'fields');
  if (!fields) return;
  try {
    compileFields(fields);
  } catch (err) {
    if (err instanceof FieldsSyntaxError) throw apiError('invalid_query_param', `Invalid fields parameter: ${err.message}.`);
    throw err;
  }
}
