/**
 * The collection's `authRule`, checked after the credentials are proven and before a token is
 * handed out (login and refresh): `null` lets nobody but a superuser requester through, `""`
 * everyone, an expression only records matching it (typically `verified = true`). The rule sees
 * the request as it came in, so `@request.auth` is the requester before the login, never the
 * record logging in (PocketBase's semantics: a rule cannot satisfy itself).
 */
import { apiError } from '../core/errors.js';
import type { Collection } from '../core/schema.js';
import type { Queryable } from '../db/database.js';
import { prepareRule } from '../rules/index.js';
import type { RequestInfo, SchemaLookup } from '../rules/index.js';

export interface AuthRuleDeps {
  db: Queryable;
  schema: SchemaLookup;
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Whether `checkAuthRule` has anything to check (an empty rule lets every record in). */
export function hasAuthRule(collection: Collection): boolean {
  return collection.authRule !== '' && collection.authRule !== undefined;
}

export async function checkAuthRule(
  deps: AuthRuleDeps,
  collection: Collection,
  recordId: string,
  request: RequestInfo,
  requesterIsSuperuser: boolean,
): Promise<void> {
  if (requesterIsSuperuser) return;
  const rule = collection.authRule;
  if (rule === '' || rule === undefined) return;
  if (rule === null) throw authRuleFailed();
  const where = prepareRule(rule, { collection, schema: deps.schema }).toSql({ dialect: deps.db.dialect, request });
  const table = quote(collection.name);
  const row = await deps.db.get(`SELECT 1 AS "ok" FROM ${table} WHERE ${table}."id" = ? AND (${where.sql}) LIMIT 1`, [
    recordId,
    ...where.params,
  ]);
  if (!row) throw authRuleFailed();
}

function authRuleFailed() {
  return apiError('forbidden', "The request doesn't satisfy the collection requirements to authenticate.");
}
