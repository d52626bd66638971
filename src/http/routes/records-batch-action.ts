/**
 * One request of a batch, checked and resolved to a record action. Only PocketBase's four record
 * writes are allowed: `POST .../records` (create), `PUT .../records` (upsert), `PATCH` and `DELETE`
 * `.../records/{id}`. URLs may carry `expand` and `fields`; other query params are ignored.
 */
import { apiError, fieldError } from '../../core/errors.js';

export type BatchActionKind = 'create' | 'upsert' | 'update' | 'delete';

export interface BatchAction {
  kind: BatchActionKind;
  collection: string;
  id: string;
  body: Record<string, unknown>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  query: Record<string, string>;
}

const RECORDS_PATH = /^\/api\/collections\/([^/]+)\/records(?:\/([^/]+))?\/?$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A 400 for an item that is not a valid batch request, with the reason under `data`. */
function invalid(index: number, key: string, message: string): never {
  throw apiError('bad_request', 'Batch requests validation failed.', {
    requests: { [String(index)]: { [key]: fieldError('validation_invalid_value', undefined, message) } },
  });
}

export function parseBatchAction(item: unknown, index: number): BatchAction {
  if (!isObject(item)) invalid(index, 'method', 'Must be a request object.');
  const method = typeof item.method === 'string' ? item.method.toUpperCase() : '';
  if (typeof item.url !== 'string' || item.url === '') invalid(index, 'url', 'Cannot be blank.');
  let url: URL;
  try {
    url = new URL(item.url, 'http://batch.invalid');
  } catch {
    invalid(index, 'url', 'Invalid url.');
  }
  const match = RECORDS_PATH.exec(url.pathname);
  let collection = '';
  let id = '';
  try {
    collection = decodeURIComponent(match?.[1] ?? '');
    id = decodeURIComponent(match?.[2] ?? '');
  } catch {
    invalid(index, 'url', 'Invalid url.');
  }
  let kind: BatchActionKind | undefined;
  if (match && id === '' && method === 'POST') kind = 'create';
  else if (match && id === '' && method === 'PUT') kind = 'upsert';
  else if (match && id !== '' && method === 'PATCH') kind = 'update';
  else if (match && id !== '' && method === 'DELETE') kind = 'delete';
  if (!kind) invalid(index, 'url', `${method || 'This method'} ${url.pathname} is not an allowed batch action.`);

  if (item.body !== undefined && item.body !== null && !isObject(item.body)) invalid(index, 'body', 'Must be an object.');
  const headers: Record<string, string> = {};
  if (isObject(item.headers)) {
    for (const [name, value] of Object.entries(item.headers)) {
      if (typeof value === 'string') headers[name.toLowerCase()] = value;
    }
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  return { kind, collection, id, body: isObject(item.body) ? { ...item.body } : {}, headers, query };
}
