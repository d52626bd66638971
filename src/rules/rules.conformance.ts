/**
 * The fixture every rules back-end is checked against: a few collections (auth users, teams,
 * posts with multi selects, relations, json, geo points, dates, unicode and LIKE metacharacters,
 * comments pointing at posts), their tables per storage-layout.md, and the records in API shape
 * (with `expand`) for the matcher.
 */
import type { Database, Dialect } from '../db/database.js';
import type { Collection, Field } from '../core/schema.js';
import { isMultiple } from '../core/schema.js';
import type { RequestInfo } from './request-info.js';
import type { SchemaLookup } from './schema-lookup.js';

type FieldSpec = Partial<Field> & { name: string; type: Field['type'] };

function field(spec: FieldSpec): Field {
  const common = { id: `f_${spec.name}`, system: false, hidden: false, presentable: false, required: false };
  const extra: Record<string, unknown> = {};
  if (spec.type === 'select' || spec.type === 'file' || spec.type === 'relation') extra.maxSelect = 1;
  if (spec.type === 'relation') extra.minSelect = 0;
  return { ...common, ...extra, ...spec } as Field;
}

function collection(id: string, name: string, type: Collection['type'], fields: FieldSpec[], indexes: string[] = []): Collection {
  return {
    id, name, type, system: false, indexes,
    fields: [field({ name: 'id', type: 'text' }), ...fields.map(field)],
    listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null,
    created: '', updated: '',
  };
}

export const users = collection('_pb_users_auth_', 'users', 'auth', [
  { name: 'email', type: 'email' },
  { name: 'emailVisibility', type: 'bool' },
  { name: 'verified', type: 'bool' },
  { name: 'tokenKey', type: 'text', hidden: true },
  { name: 'name', type: 'text' },
  { name: 'age', type: 'number' },
  { name: 'team', type: 'relation', collectionId: 'pbc_teams', maxSelect: 1 } as FieldSpec,
]);

export const teams = collection('pbc_teams', 'teams', 'base', [
  { name: 'name', type: 'text' },
  { name: 'score', type: 'number' },
  { name: 'tags', type: 'select', maxSelect: 5, values: ['a', 'b', 'c'] } as FieldSpec,
]);

export const posts = collection('pbc_posts', 'posts', 'base', [
  { name: 'title', type: 'text' },
  { name: 'body', type: 'editor' },
  { name: 'views', type: 'number' },
  { name: 'published', type: 'bool' },
  { name: 'tags', type: 'select', maxSelect: 5 } as FieldSpec,
  { name: 'category', type: 'select', maxSelect: 1 } as FieldSpec,
  { name: 'author', type: 'relation', collectionId: users.id, maxSelect: 1 } as FieldSpec,
  { name: 'editors', type: 'relation', collectionId: users.id, maxSelect: 10 } as FieldSpec,
  { name: 'meta', type: 'json' },
  { name: 'location', type: 'geoPoint' },
  { name: 'created', type: 'date' },
]);

export const comments = collection('pbc_comments', 'comments', 'base', [
  { name: 'post', type: 'relation', collectionId: posts.id, maxSelect: 1 } as FieldSpec,
  { name: 'text', type: 'text' },
  { name: 'likes', type: 'number' },
  { name: 'flagged', type: 'bool' },
]);

/** One review per post at most: the unique index makes `reviews_via_post` single-valued. */
export const reviews = collection('pbc_reviews', 'reviews', 'base', [
  { name: 'post', type: 'relation', collectionId: posts.id, maxSelect: 1 } as FieldSpec,
  { name: 'stars', type: 'number' },
], ['CREATE UNIQUE INDEX `idx_reviews_post` ON `reviews` (`post`)']);

export const allCollections = [users, teams, posts, comments, reviews];

export const schema: SchemaLookup = {
  version: 1,
  find(nameOrId) {
    return allCollections.find((c) => c.id === nameOrId || c.name.toLowerCase() === nameOrId.toLowerCase());
  },
};

type Rec = Record<string, unknown>;

export const data: Record<string, Rec[]> = {
  teams: [
    { id: 't1', name: 'Red', score: 10, tags: ['a', 'b'] },
    { id: 't2', name: 'Blue', score: 20.5, tags: [] },
  ],
  users: [
    { id: 'u1', email: 'alice@example.com', emailVisibility: true, verified: true, tokenKey: 'k1', name: 'Alice', age: 30, team: 't1' },
    { id: 'u2', email: 'bob@example.com', emailVisibility: false, verified: false, tokenKey: 'k2', name: 'bob', age: 25, team: 't2' },
    { id: 'u3', email: 'cava@example.com', emailVisibility: true, verified: true, tokenKey: 'k3', name: 'Ça va', age: 0, team: '' },
  ],
  posts: [
    { id: 'p1', title: 'Hello World', body: 'first post', views: 10, published: true, tags: ['news', 'tech'], category: 'blog', author: 'u1', editors: ['u2'], meta: { a: 1, s: 'x', nested: { k: 'v' } }, location: { lon: 0, lat: 0 }, created: '2024-01-15 10:00:00.000Z' },
    { id: 'p2', title: 'hello again', body: '', views: 0, published: false, tags: [], category: '', author: 'u2', editors: [], meta: null, location: { lon: 23.32, lat: 42.69 }, created: '2024-02-29 23:59:59.999Z' },
    { id: 'p3', title: '100% sure_thing', body: 'back\\slash', views: 5.5, published: true, tags: ['news'], category: 'news', author: 'u1', editors: ['u1', 'u2'], meta: { a: '1', arr: [1, 2] }, location: { lon: 0, lat: 0 }, created: '2023-12-31 00:00:00.000Z' },
    { id: 'p4', title: 'Ünïcödé 日本語', body: 'emoji 😀', views: -3, published: false, tags: ['tech'], category: 'blog', author: '', editors: ['u3'], meta: { a: true, s: '' }, location: { lon: 0, lat: 0 }, created: '' },
    { id: 'p5', title: '', body: 'quote \' and "dq"', views: 100, published: true, tags: ['tech', 'news', 'misc'], category: 'misc', author: 'u3', editors: ['u1'], meta: { a: null }, location: { lon: -0.1276, lat: 51.5072 }, created: '2025-06-01 12:30:00.000Z' },
    { id: 'p6', title: 'HELLO', body: 'Hello', views: 1000000, published: false, tags: ['misc'], category: 'news', author: 'u2', editors: ['u1', 'u3'], meta: { a: 2.5, s: 'X' }, location: { lon: 0, lat: 0 }, created: '2024-01-15 10:00:00.000Z' },
    { id: 'p7', title: 'under_score', body: '50%', views: 10, published: true, tags: [], category: '', author: 'u1', editors: [], meta: 'string-json', location: { lon: 0, lat: 0 }, created: '2024-05-05 05:05:05.005Z' },
    { id: 'p8', title: 'Tab\tand newline\n', body: '', views: 7, published: false, tags: ['a'], category: 'blog', author: 'ux', editors: ['ux', 'u2'], meta: [1, 2, 3], location: { lon: 0, lat: 0 }, created: '2024-01-15' },
  ],
  comments: [
    { id: 'c1', post: 'p1', text: 'nice', likes: 3, flagged: false },
    { id: 'c2', post: 'p1', text: 'meh', likes: 0, flagged: true },
    { id: 'c3', post: 'p3', text: 'ok', likes: 5, flagged: false },
  ],
  reviews: [
    { id: 'r1', post: 'p1', stars: 5 },
    { id: 'r2', post: 'p2', stars: 2 },
  ],
};

export function authRecord(id: string): RequestInfo['auth'] {
  const u = (data.users as Rec[]).find((x) => x.id === id) as Rec;
  return { ...u, id, collectionId: users.id, collectionName: users.name };
}

export const defaultRequest: RequestInfo = {
  auth: authRecord('u1'),
  body: { title: 'Hello World', tags: ['news', 'x'], views: 10, author: 'u1', editors: ['u2', 'u3'], flag: true, nested: { k: 'v' } },
  query: { q: 'hello', n: '10', bs: 'a%\\' },
  headers: { 'X-Token': 'abc', 'Content-Type': 'application/json' },
  method: 'POST',
  context: 'default',
};

/** Records in API shape, relations expanded two levels where the target exists. */
export function apiRecords(collectionName: string): Rec[] {
  const coll = schema.find(collectionName) as Collection;
  return (data[collectionName] ?? []).map((r) => withExpand(coll, r, 2));
}

function withExpand(coll: Collection, r: Rec, depth: number): Rec {
  const out: Rec = { ...r, collectionId: coll.id, collectionName: coll.name };
  if (depth === 0) return out;
  const expand: Rec = {};
  for (const f of coll.fields) {
    if (f.type !== 'relation') continue;
    const target = schema.find(f.collectionId) as Collection;
    const rows = data[target.name] ?? [];
    const ids = Array.isArray(r[f.name]) ? (r[f.name] as string[]) : r[f.name] ? [r[f.name] as string] : [];
    const found = ids.map((id) => rows.find((x) => x.id === id)).filter((x): x is Rec => x !== undefined).map((x) => withExpand(target, x, depth - 1));
    if (found.length === 0) continue;
    expand[f.name] = isMultiple(f) ? found : found[0];
  }
  if (Object.keys(expand).length > 0) out.expand = expand;
  return out;
}

function columnType(f: Field, dialect: Dialect): string {
  const pg = dialect === 'postgres';
  if (f.name === 'id') return pg ? 'TEXT COLLATE "C" PRIMARY KEY NOT NULL' : 'TEXT PRIMARY KEY NOT NULL';
  switch (f.type) {
    case 'number':
      return pg ? 'DOUBLE PRECISION NOT NULL DEFAULT 0' : 'NUMERIC NOT NULL DEFAULT 0';
    case 'bool':
      return 'BOOLEAN NOT NULL DEFAULT FALSE';
    case 'json':
      return pg ? 'JSONB DEFAULT NULL' : 'JSON DEFAULT NULL';
    case 'geoPoint':
      return pg ? `JSONB NOT NULL DEFAULT '{"lon":0,"lat":0}'` : `JSON NOT NULL DEFAULT '{"lon":0,"lat":0}'`;
    default:
      if (isMultiple(f)) return pg ? `JSONB NOT NULL DEFAULT '[]'` : `JSON NOT NULL DEFAULT '[]'`;
      return pg ? `TEXT COLLATE "C" NOT NULL DEFAULT ''` : `TEXT NOT NULL DEFAULT ''`;
  }
}

export function createTableSql(c: Collection, dialect: Dialect): string {
  const cols = c.fields.map((f) => `"${f.name}" ${columnType(f, dialect)}`);
  if (dialect === 'postgres') cols.push('"_rowid" BIGINT GENERATED ALWAYS AS IDENTITY');
  return `CREATE TABLE "${c.name}" (${cols.join(', ')})`;
}

export async function insertRecord(db: Database, c: Collection, r: Rec): Promise<void> {
  const names = c.fields.map((f) => f.name).filter((n) => r[n] !== undefined);
  const params = names.map((n) => {
    const f = c.fields.find((x) => x.name === n) as Field;
    const v = r[n];
    if (f.type === 'json' || f.type === 'geoPoint' || isMultiple(f)) return v === null ? null : JSON.stringify(v);
    if (f.type === 'bool') return db.dialect === 'sqlite' ? (v ? 1 : 0) : Boolean(v);
    return v as string | number;
  });
  await db.run(`INSERT INTO "${c.name}" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`, params);
}

/** Creates every fixture table and inserts the fixture rows. */
export async function loadFixture(db: Database): Promise<void> {
  for (const c of allCollections) await db.exec(createTableSql(c, db.dialect));
  for (const c of allCollections) for (const r of data[c.name] ?? []) await insertRecord(db, c, r);
}
