/**
 * PocketBase's list query parameters, normalised once per request: `page` <= 0 -> 1, `perPage`
 * <= 0 -> 30 and > 1000 -> 1000 (the normalised values are echoed, the SDK's getFullList relies on
 * it), `skipTotal` as a Go bool. Non-integer page/perPage are a 400.
 */
import { apiError } from '../core/errors.js';
import { parseBoolFlag } from '../lib/form-value.js';

export interface ListQuery {
  page: number;
  perPage: number;
  skipTotal: boolean;
  filter: string;
  sort: string;
}

export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 1000;

export interface ListResult<T> {
  page: number;
  perPage: number;
  totalItems: number;
  totalPages: number;
  items: T[];
}

export function parseListQuery(query: unknown): ListQuery {
  const q = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const page = intParam(q.page, 'page', 1);
  const perPage = intParam(q.perPage, 'perPage', DEFAULT_PER_PAGE);
  return {
    page: page <= 0 ? 1 : page,
    perPage: perPage <= 0 ? DEFAULT_PER_PAGE : Math.min(perPage, MAX_PER_PAGE),
    skipTotal: parseBoolFlag(lastString(q.skipTotal)) ?? false,
    filter: lastString(q.filter) ?? '',
    sort: lastString(q.sort) ?? '',
  };
}

/** A page of `total` items (or -1 totals when counting was skipped). */
export function listResult<T>(query: ListQuery, items: T[], total: number): ListResult<T> {
  const skip = query.skipTotal || total < 0;
  return {
    page: query.page,
    perPage: query.perPage,
    totalItems: skip ? -1 : total,
    totalPages: skip ? -1 : Math.ceil(total / query.perPage),
    items,
  };
}

function lastString(value: unknown): string | undefined {
  if (Array.isArray(value)) return lastString(value[value.length - 1]);
  return typeof value === 'string' ? value : undefined;
}

function intParam(value: unknown, name: string, fallback: number): number {
  const raw = lastString(value);
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d{1,15}$/.test(raw.trim())) {
    throw apiError('invalid_query_param', `Invalid query parameter "${name}".`, {
      [name]: { code: 'validation_invalid_value', message: 'Must be an integer.' },
    });
  }
  return Number(raw);
}
