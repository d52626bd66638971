/**
 * The collections GraphQL scenarios start from, and a plain-fetch GraphQL client (the GraphQL over
 * HTTP protocol is small enough that fetch IS a real client):
 *
 *   authors   public, `bio` hidden
 *   posts     public list/view/create/update/delete; author -> authors, tags (multi select), meta (json)
 *   comments  public, post -> posts
 *   notes     owner-only rules (owner -> users); a relation from posts (`note`) crosses that rule
 *   vault     every rule null (superusers only)
 */
import type { TestApp } from '../http/test-app.js';

export interface GqlResult {
  status: number;
  // GraphQL response JSON; tests assert on it field by field
  body: any;
}

export async function gql(
  t: TestApp,
  query: string | undefined,
  options: { variables?: Record<string, unknown>; token?: string | null; extensions?: Record<string, unknown>; operationName?: string } = {},
): Promise<GqlResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  const token = options.token === undefined ? t.token : options.token;
  if (token) headers.authorization = token;
  const res = await fetch(`${t.url}/api/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      ...(query === undefined ? {} : { query }),
      ...(options.variables ? { variables: options.variables } : {}),
      ...(options.extensions ? { extensions: options.extensions } : {}),
      ...(options.operationName ? { operationName: options.operationName } : {}),
    }),
  });
  return { status: res.status, body: await res.json() };
}

async function ok(t: TestApp, method: string, path: string, body: unknown): Promise<any> {
  const res = await t.call(method, path, { body });
  if (res.status !== 200) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface GraphQLFixture {
  authorsId: string;
  postsId: string;
  user: { id: string; email: string; token: string };
  other: { id: string; email: string; token: string };
}

export async function createUser(t: TestApp, email: string, emailVisibility = false): Promise<{ id: string; email: string; token: string }> {
  const rec = await ok(t, 'POST', '/api/collections/users/records', { email, password: 'password123', passwordConfirm: 'password123', emailVisibility });
  const login = await t.call('POST', '/api/collections/users/auth-with-password', { body: { identity: email, password: 'password123' }, token: null });
  return { id: rec.id, email, token: login.body.token };
}

export async function createGraphQLFixture(t: TestApp): Promise<GraphQLFixture> {
  const users = await ok(t, 'GET', '/api/collections/users', undefined);
  const authors = await ok(t, 'POST', '/api/collections', {
    name: 'authors',
    fields: [{ name: 'name', type: 'text' }, { name: 'bio', type: 'text', hidden: true }],
    listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
  });
  const notes = await ok(t, 'POST', '/api/collections', {
    name: 'notes',
    fields: [{ name: 'text', type: 'text' }, { name: 'owner', type: 'relation', collectionId: users.id, maxSelect: 1 }],
    listRule: 'owner = @request.auth.id', viewRule: 'owner = @request.auth.id',
    createRule: '@request.auth.id != ""', updateRule: 'owner = @request.auth.id', deleteRule: 'owner = @request.auth.id',
  });
  const posts = await ok(t, 'POST', '/api/collections', {
    name: 'posts',
    fields: [
      { name: 'title', type: 'text', required: true, max: 100 },
      { name: 'views', type: 'number' },
      { name: 'tags', type: 'select', values: ['a', 'b', 'c'], maxSelect: 3 },
      { name: 'meta', type: 'json' },
      { name: 'author', type: 'relation', collectionId: authors.id, maxSelect: 1 },
      { name: 'note', type: 'relation', collectionId: notes.id, maxSelect: 1 },
      { name: 'created', type: 'autodate', onCreate: true },
    ],
    listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
  });
  await ok(t, 'POST', '/api/collections', {
    name: 'comments',
    fields: [{ name: 'body', type: 'text' }, { name: 'post', type: 'relation', collectionId: posts.id, maxSelect: 1 }],
    listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
  });
  await ok(t, 'POST', '/api/collections', { name: 'vault', fields: [{ name: 'secret', type: 'text' }] });
  const stamp = `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const user = await createUser(t, `u${stamp}@example.com`);
  const other = await createUser(t, `o${stamp}@example.com`, true);
  return { authorsId: authors.id, postsId: posts.id, user, other };
}
