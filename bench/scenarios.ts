/**
 * The benchmark's scenarios (issue 12 item 2): what each sends under load, which sample requests
 * must be answered with the same bytes by every target, and what may differ (generated ids,
 * timestamps and tokens) before that comparison.
 */
import type { DatasetInfo } from './dataset.js';
import { USER_PASSWORD } from './dataset.js';

export const RECORDS = '/api/collections/posts/records';

export interface BenchRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  /** Sent as JSON. */
  body?: unknown;
}

export interface Scenario {
  name: string;
  /** `user`: every request carries the target's token of the signed-in bench user (user 0). */
  as: 'guest' | 'user';
  /** Requests driven under load (cycled). */
  load: BenchRequest[];
  /** Requests whose answers must be byte-identical on every target (includes 4xx and edge cases). */
  compare: BenchRequest[];
  /**
   * JSON keys whose string values each server generates itself (new record ids, `created`/`updated`
   * of a write, signed tokens): replaced by a placeholder on both sides before the byte comparison.
   */
  normalise?: readonly string[];
  /** A realtime subscriber (SSE, guest, `posts/*`) stays connected to each target during the scenario. */
  realtime?: boolean;
  /** Changes data: later scenarios must not depend on what it wrote. */
  writes?: boolean;
  /**
   * Fewer connections than the default: password hashing runs in libuv's 4 threads, so more
   * connections only queue there (and time out on a busy machine).
   */
  connections?: number;
  /** A floor for the measured run's duration (s): slow requests need longer to give a count. */
  minDurationSec?: number;
  /**
   * Each request costs milliseconds of CPU (password hashing): the instruction count
   * (bench/instructions.ts) drives a twentieth of its usual requests under valgrind.
   */
  slow?: boolean;
}

const get = (path: string): BenchRequest => ({ method: 'GET', path });

/** A scenario's name as a file name (profiles, callgrind dumps). */
export const scenarioSlug = (name: string): string => name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();

/** The signed-in bench user: the owner of the first generated post. */
export function benchUser(data: DatasetInfo): { id: string; email: string; posts: string[] } {
  const user = data.users[0];
  if (!user) throw new Error('the dataset has no users');
  return { id: user.id, email: user.email, posts: data.byOwner.get(user.id) ?? [] };
}

export function scenarios(data: DatasetInfo): Scenario[] {
  const user = benchUser(data);
  const view = (id: string) => get(`${RECORDS}/${id}`);
  const published = data.published.slice(0, 200);
  const ownHidden = user.posts.filter((id) => data.hidden.includes(id));
  const list = (page: number, min: number, extra = '') =>
    get(`${RECORDS}?page=${page}&perPage=20&sort=-created&filter=${encodeURIComponent(`views > ${min}`)}${extra}`);
  // Selective filters (0.5-1.5 % of the rows): a realistic page of "popular posts", and a COUNT(*)
  // that stays an index range scan instead of counting the whole table on every request.
  const listPaths = (extra: string) => [1, 2, 3].flatMap((page) => [985, 990, 995].map((min) => list(page, min, extra)));
  const pastTheEnd = list(9999, 990);
  const newPost = (i: number) => ({ title: `Bench post ${i}`, body: 'written by the benchmark', published: true, owner: user.id, views: i % 1000 });
  const create = (body: unknown): BenchRequest => ({ method: 'POST', path: RECORDS, body });
  const batch = (n: number, from: number): BenchRequest => ({
    method: 'POST',
    path: '/api/batch',
    body: { requests: Array.from({ length: n }, (_, i) => ({ method: 'POST', url: RECORDS, body: newPost(from + i) })) },
  });
  const login = (email: string, password = USER_PASSWORD): BenchRequest => ({
    method: 'POST',
    path: '/api/collections/users/auth-with-password',
    body: { identity: email, password },
  });
  const refresh: BenchRequest = { method: 'POST', path: '/api/collections/users/auth-refresh' };
  const own = user.posts.slice(0, 50);
  const foreign = data.published.find((id) => !user.posts.includes(id)) ?? 'doesnotexist000';
  return [
    {
      name: 'get-by-id (view rule)',
      as: 'guest',
      load: published.map(view),
      compare: [...published.slice(0, 20).map(view), ...data.hidden.slice(0, 5).map(view), view('doesnotexist000')],
    },
    {
      name: 'get-by-id (view rule, signed in)',
      as: 'user',
      load: [...user.posts.slice(0, 100), ...published.slice(0, 100)].map(view),
      compare: [...ownHidden.slice(0, 5).map(view), ...published.slice(0, 5).map(view), ...data.hidden.filter((id) => !user.posts.includes(id)).slice(0, 3).map(view)],
    },
    {
      name: 'list-20 (filter+sort+rule)',
      as: 'guest',
      load: listPaths(''),
      compare: [...listPaths(''), pastTheEnd],
    },
    {
      name: 'list-20 skipTotal',
      as: 'guest',
      load: listPaths('&skipTotal=1'),
      compare: listPaths('&skipTotal=1'),
    },
    {
      // The owner rule with a real `@request.auth.id`: the user's hidden posts join the page.
      name: 'list-20 (owner rule, signed in)',
      as: 'user',
      load: listPaths(''),
      compare: [...listPaths(''), get(`${RECORDS}?perPage=20&sort=-created&filter=${encodeURIComponent('views > 900')}`)],
    },
    {
      name: 'list-20 expand=owner',
      as: 'guest',
      load: listPaths('&expand=owner'),
      compare: listPaths('&expand=owner'),
    },
    {
      name: 'create (rule, validation, realtime)',
      as: 'user',
      realtime: true,
      writes: true,
      load: Array.from({ length: 100 }, (_, i) => create(newPost(i))),
      compare: [create(newPost(1)), create(newPost(2)), create({ title: '', owner: user.id }), create({ title: 'x'.repeat(201) })],
      normalise: ['id', 'created', 'updated'],
    },
    {
      name: 'update views+ (rule)',
      as: 'user',
      writes: true,
      load: own.map((id) => ({ method: 'PATCH', path: `${RECORDS}/${id}`, body: { 'views+': 1 } })),
      compare: [
        ...own.slice(0, 3).map((id): BenchRequest => ({ method: 'PATCH', path: `${RECORDS}/${id}`, body: { 'views+': 2 } })),
        { method: 'PATCH', path: `${RECORDS}/${foreign}`, body: { 'views+': 1 } },
      ],
      normalise: ['updated'],
    },
    {
      name: 'batch of 10 creates',
      as: 'user',
      writes: true,
      load: Array.from({ length: 10 }, (_, i) => batch(10, i * 10)),
      compare: [batch(10, 0), batch(2, 500)],
      normalise: ['id', 'created', 'updated'],
    },
    {
      name: 'auth-with-password (argon2id)',
      as: 'guest',
      connections: 8,
      minDurationSec: 2,
      slow: true,
      load: data.users.slice(0, 10).map((u) => login(u.email)),
      compare: [login(user.email), login(data.users[13]?.email ?? user.email), login(user.email, 'wrong-password'), login('nobody@example.com')],
      normalise: ['token'],
    },
    {
      name: 'auth-refresh',
      as: 'user',
      load: [refresh],
      compare: [refresh],
      normalise: ['token'],
    },
  ];
}

/**
 * The guest GET scenarios as plain paths, for targets that only take paths (the peers): name,
 * load paths and compare paths.
 */
export function guestGetScenarios(all: readonly Scenario[]): Array<{ name: string; load: string[]; compare: string[] }> {
  return all
    .filter((s) => s.as === 'guest' && [...s.load, ...s.compare].every((r) => r.method === 'GET'))
    .map((s) => ({ name: s.name, load: s.load.map((r) => r.path), compare: s.compare.map((r) => r.path) }));
}
