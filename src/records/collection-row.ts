import type { Collection, CollectionType, Field } from '../core/schema.js';
import type { Row, SqlParam } from '../db/database.js';
import { AUTH_OPTION_KEYS } from './auth-options.js';

/**
 * Conversion between a `Collection` and its `_collections` row: fields, indexes and options as
 * JSON text; auth options and the view query inside `options`, as PocketBase stores them.
 */

export const COLLECTION_COLUMNS = [
  'id', 'name', 'type', 'system', 'fields', 'indexes', 'listRule', 'viewRule', 'createRule',
  'updateRule', 'deleteRule', 'options', 'created', 'updated',
] as const;

export function collectionToParams(c: Collection): SqlParam[] {
  const options: Record<string, unknown> = {};
  if (c.type === 'auth') for (const key of AUTH_OPTION_KEYS) options[key] = c[key];
  if (c.type === 'view') options.viewQuery = c.viewQuery ?? '';
  return [
    c.id, c.name, c.type, c.system, JSON.stringify(c.fields), JSON.stringify(c.indexes),
    c.listRule, c.viewRule, c.createRule, c.updateRule, c.deleteRule, JSON.stringify(options),
    c.created, c.updated,
  ];
}

function json<T>(value: unknown, fallback: T): T {
  if (typeof value !== 'string') return (value ?? fallback) as T;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function rowToCollection(row: Row): Collection {
  const type = String(row.type) as CollectionType;
  const c: Collection = {
    id: String(row.id),
    name: String(row.name),
    type,
    system: row.system === true || row.system === 1 || row.system === '1' || row.system === 1n,
    fields: json<Field[]>(row.fields, []),
    indexes: json<string[]>(row.indexes, []),
    listRule: str(row.listRule),
    viewRule: str(row.viewRule),
    createRule: str(row.createRule),
    updateRule: str(row.updateRule),
    deleteRule: str(row.deleteRule),
    created: String(row.created ?? ''),
    updated: String(row.updated ?? ''),
  };
  const options = json<Record<string, unknown>>(row.options, {});
  if (type === 'view') c.viewQuery = typeof options.viewQuery === 'string' ? options.viewQuery : '';
  if (type === 'auth') Object.assign(c, Object.fromEntries(AUTH_OPTION_KEYS.map((k) => [k, options[k]])));
  return c;
}
