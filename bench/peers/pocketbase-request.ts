/**
 * The bench's scenarios are written as PocketBase (Galley) requests. A peer answers the same
 * question through its own API, so each peer translates the parsed request into its own path.
 * Only the shapes the peers can express faithfully are parsed (view by id; list with page,
 * perPage, sort, one numeric comparison filter, skipTotal); anything else is `undefined` and the
 * scenario is skipped for the peers rather than measured as something else.
 */

export type NumericOperator = '>' | '>=' | '<' | '<=' | '=' | '!=';

export interface ViewRequest {
  kind: 'view';
  collection: string;
  id: string;
}

export interface ListRequest {
  kind: 'list';
  collection: string;
  page: number;
  perPage: number;
  sort: Array<{ field: string; descending: boolean }>;
  filter?: { field: string; operator: NumericOperator; value: number };
  skipTotal: boolean;
}

export type PocketBaseRequest = ViewRequest | ListRequest;

const RECORDS_PATH = /^\/api\/collections\/([A-Za-z0-9_]+)\/records(?:\/([A-Za-z0-9_]+))?$/;
const NUMERIC_FILTER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|!=|>|<|=)\s*(-?\d+(?:\.\d+)?)\s*$/;
const LIST_PARAMS = new Set(['page', 'perPage', 'sort', 'filter', 'skipTotal']);

export function parsePocketBaseRequest(path: string): PocketBaseRequest | undefined {
  const url = new URL(path, 'http://bench.invalid');
  const match = RECORDS_PATH.exec(url.pathname);
  if (!match?.[1]) return undefined;
  const collection = match[1];
  if (match[2]) return url.search === '' ? { kind: 'view', collection, id: match[2] } : undefined;

  const params = url.searchParams;
  for (const key of params.keys()) if (!LIST_PARAMS.has(key)) return undefined;
  const page = Number(params.get('page') ?? '1');
  const perPage = Number(params.get('perPage') ?? '30');
  if (!Number.isInteger(page) || page < 1 || !Number.isInteger(perPage) || perPage < 1) return undefined;

  const sort: ListRequest['sort'] = [];
  for (const part of (params.get('sort') ?? '').split(',').filter(Boolean)) {
    const descending = part.startsWith('-');
    const field = part.replace(/^[-+]/, '');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) return undefined;
    sort.push({ field, descending });
  }

  let filter: ListRequest['filter'];
  const filterText = params.get('filter');
  if (filterText !== null && filterText !== '') {
    const f = NUMERIC_FILTER.exec(filterText);
    if (!f?.[1] || !f[2] || !f[3]) return undefined;
    filter = { field: f[1], operator: f[2] as NumericOperator, value: Number(f[3]) };
  }
  const skipTotal = ['1', 'true'].includes(params.get('skipTotal') ?? '');
  return { kind: 'list', collection, page, perPage, sort, ...(filter ? { filter } : {}), skipTotal };
}

/** What an answer contains, reduced to what every API can be compared on. */
export interface AnswerSummary {
  status: number;
  /** Record ids in answer order (one for a view). */
  ids: string[];
  /** The total count, when the request asked for one and the API returned it. */
  total?: number;
}

/** Reads the ids and total of a PocketBase-shaped answer (the baseline's). */
export function summarizePocketBaseAnswer(request: PocketBaseRequest, status: number, body: unknown): AnswerSummary {
  if (status !== 200 || typeof body !== 'object' || body === null) return { status, ids: [] };
  if (request.kind === 'view') return { status, ids: [String((body as { id?: unknown }).id)] };
  const list = body as { items?: Array<{ id?: unknown }>; totalItems?: unknown };
  const ids = (list.items ?? []).map((item) => String(item.id));
  return typeof list.totalItems === 'number' && list.totalItems >= 0 ? { status, ids, total: list.totalItems } : { status, ids };
}
