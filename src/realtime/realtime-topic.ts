/**
 * Subscription strings as PocketBase's SDK sends them: `posts/*`, `posts/<id>`, the legacy bare
 * `posts` (same as `posts/*`), custom topics starting with `@` (`@oauth2`), each optionally
 * followed by `?options=<URL-encoded JSON>` with `{"query": {...}, "headers": {...}}`.
 * `query.filter`, `query.expand` and `query.fields` shape the events; every query and header value
 * also feeds `@request.query.*` / `@request.headers.*` in the rules (as strings, as PocketBase does).
 */

export interface RecordTopic {
  readonly kind: 'records';
  /** The collection name or id as written (matched case-insensitively). */
  readonly collection: string;
  /** null = every record of the collection (`coll/*`, list rule); else one record (view rule). */
  readonly recordId: string | null;
}

export interface CustomTopic {
  readonly kind: 'custom';
  readonly name: string;
}

export type Topic = RecordTopic | CustomTopic;

/** What a subscriber may ask for, in the broker's (transport-agnostic) shape. */
export interface RecordSubscriptionOptions {
  filter?: string;
  expand?: string;
  fields?: string;
  /** `@request.query.*` values. */
  query?: Record<string, unknown>;
  /** `@request.headers.*` values. */
  headers?: Record<string, unknown>;
  /** The event name delivered with each event (SSE: the exact subscription string). Default: the topic. */
  name?: string;
}

export interface ParsedSubscription {
  /** The subscription string as sent (the SSE event name). */
  readonly name: string;
  readonly topic: Topic;
  /** The part before `?`. */
  readonly base: string;
  readonly options: RecordSubscriptionOptions;
}

export class TopicError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopicError';
  }
}

/** `posts/*` -> records of posts; `@x` -> custom; throws TopicError for an empty or malformed topic. */
export function parseTopic(base: string): Topic {
  if (base === '') throw new TopicError('The topic is empty.');
  if (base.startsWith('@')) return { kind: 'custom', name: base };
  const slash = base.indexOf('/');
  if (slash === -1) return { kind: 'records', collection: base, recordId: null };
  const collection = base.slice(0, slash);
  const rest = base.slice(slash + 1);
  if (collection === '' || rest === '' || rest.includes('/')) throw new TopicError(`Invalid topic "${base}".`);
  return { kind: 'records', collection, recordId: rest === '*' ? null : rest };
}

/** Parses one subscription string, `?options=` included. Throws TopicError. */
export function parseSubscription(raw: string): ParsedSubscription {
  if (/[\r\n\0]/.test(raw)) throw new TopicError('A topic cannot contain line breaks.');
  const q = raw.indexOf('?');
  const base = q === -1 ? raw : raw.slice(0, q);
  const topic = parseTopic(base);
  let options: RecordSubscriptionOptions = {};
  if (q !== -1) {
    const encoded = new URLSearchParams(raw.slice(q + 1)).get('options');
    if (encoded !== null && encoded !== '') options = parseOptionsJson(encoded);
  }
  return { name: raw, topic, base, options: { ...options, name: raw } };
}

/** The `options` JSON: `{query?: {...}, headers?: {...}}`. Throws TopicError when it is not that. */
export function parseOptionsJson(text: string): RecordSubscriptionOptions {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TopicError('The subscription options are not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TopicError('The subscription options must be a JSON object.');
  const raw = value as { query?: unknown; headers?: unknown };
  const query = stringValues(raw.query, 'query');
  const headers = stringValues(raw.headers, 'headers');
  const out: RecordSubscriptionOptions = {};
  if (query !== undefined) {
    out.query = query;
    if (typeof query.filter === 'string' && query.filter !== '') out.filter = query.filter;
    if (typeof query.expand === 'string' && query.expand !== '') out.expand = query.expand;
    if (typeof query.fields === 'string' && query.fields !== '') out.fields = query.fields;
  }
  if (headers !== undefined) out.headers = headers;
  return out;
}

/** PocketBase stringifies option values (numbers, booleans); objects become their JSON text. */
function stringValues(value: unknown, what: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new TopicError(`The subscription options' ${what} must be an object.`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}
