/**
 * Where the external services used by tests live, and whether they are up. Tests that need
 * PostgreSQL or Redis call `requireService(t, kind)` first: when the service is down the test is
 * skipped with a visible message, unless `GALLEY_TEST_REQUIRE_SERVICES=1` (CI), where it fails.
 */
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import type { TestContext } from 'node:test';
import { redactUrl } from '../lib/redact-url.js';

export type ServiceKind = 'postgres' | 'redis';

export function pgUrl(): string {
  return process.env.GALLEY_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
}

export function redisUrl(): string {
  return process.env.GALLEY_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
}

/** Prefix of every schema, database, key or channel a test creates, so CI can clean up by prefix. */
export function testPrefix(): string {
  return process.env.GALLEY_TEST_PREFIX || 'galley_t';
}

/** A unique lowercase name under the test prefix, safe as a SQL identifier or Redis key prefix. */
export function uniqueTestName(label = ''): string {
  const tag = label ? `_${label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 20)}` : '';
  return `${testPrefix()}${tag}_${randomBytes(6).toString('hex')}`;
}

export function servicesRequired(): boolean {
  return process.env.GALLEY_TEST_REQUIRE_SERVICES === '1';
}

export function serviceUrl(kind: ServiceKind): string {
  return kind === 'postgres' ? pgUrl() : redisUrl();
}

const probes = new Map<ServiceKind, Promise<boolean>>();

/** Whether the service answers; probed once per process (the answer does not change mid-run). */
export function serviceAvailable(kind: ServiceKind): Promise<boolean> {
  let probe = probes.get(kind);
  if (!probe) {
    probe = kind === 'postgres' ? probePostgres() : probeRedis();
    probes.set(kind, probe);
  }
  return probe;
}

/**
 * Skips `t` visibly (returns false) when `kind` is unreachable; throws instead when services are
 * required, so CI cannot pass by skipping.
 */
export async function requireService(t: TestContext, kind: ServiceKind): Promise<boolean> {
  if (await serviceAvailable(kind)) return true;
  const name = kind === 'postgres' ? 'PostgreSQL' : 'Redis';
  const where = redactUrl(serviceUrl(kind));
  if (servicesRequired()) {
    throw new Error(`${name} unreachable at ${where} and GALLEY_TEST_REQUIRE_SERVICES=1`);
  }
  t.skip(`${name} unreachable at ${where} (set GALLEY_TEST_REQUIRE_SERVICES=1 to fail instead)`);
  return false;
}

async function probePostgres(): Promise<boolean> {
  // A real query, not only a TCP connect: a listening server with a missing database is "down" too.
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: pgUrl(), connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function probeRedis(): Promise<boolean> {
  // A raw PING over TCP keeps this module free of the Redis client; any `+PONG` or auth error
  // (`-NOAUTH`) proves a Redis server is there.
  let url: URL;
  try {
    url = new URL(redisUrl());
  } catch {
    return Promise.resolve(false);
  }
  const port = Number(url.port || 6379);
  const host = url.hostname || '127.0.0.1';
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), 3000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => finish(/^[+-]/.test(data.toString('utf8'))));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
  });
}

export interface TestPostgres {
  /** Connection URL whose sessions use the fresh schema as `search_path` (any process can use it). */
  url: string;
  schema: string;
  /** Drops the schema and everything in it. Idempotent. */
  drop(): Promise<void>;
}

/**
 * A fresh, empty schema in the test database. The URL carries `options=-c search_path=<schema>`,
 * which `pg` sends at connect time, so two processes given the URL share the schema. Callers
 * should `requireService(t, 'postgres')` first.
 */
export async function createTestPostgres(label = ''): Promise<TestPostgres> {
  const schema = uniqueTestName(label);
  const base = pgUrl();
  await adminQuery(base, `CREATE SCHEMA "${schema}"`);
  let dropped = false;
  return {
    url: withSearchPath(base, schema),
    schema,
    async drop() {
      if (dropped) return;
      dropped = true;
      await adminQuery(base, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}

/** `url` with its sessions' `search_path` set to `schema` (replacing any `options` given). */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Drops every schema named `<prefix>_...` in the test database: leftovers of killed test runs.
 * For CI's cleanup step; never call it with the default prefix while tests run.
 */
export async function dropTestSchemas(prefix = testPrefix()): Promise<string[]> {
  if (!/^[a-z][a-z0-9_]*$/.test(prefix)) throw new Error(`unsafe test prefix: ${prefix}`);
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: pgUrl(), connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    // `_` is a LIKE wildcard: escape it so `galley_t` does not match `galleyxt...`.
    const pattern = `${prefix.replace(/_/g, '\\_')}\\_%`;
    const { rows } = await client.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [pattern]);
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS "${nspname.replace(/"/g, '""')}" CASCADE`);
    return rows.map((r) => r.nspname);
  } finally {
    await client.end().catch(() => {});
  }
}
