/**
 * A fresh Galley node for HTTP scenarios: an App on a temp SQLite dir or a fresh PostgreSQL
 * schema, its server listening on a free port, and a superuser already logged in. `eachAppDialect`
 * registers a test per dialect (PostgreSQL skipped visibly when unreachable).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { App } from '../../src/app/app.js';
import type { AppOpenOptions } from '../../src/app/app.js';
import { resolveConfig } from '../../src/app/config.js';
import type { GalleyConfigInput } from '../../src/app/config.js';
import { upsertSuperuser } from '../../src/auth/superusers.js';
import type { Dialect } from '../../src/db/database.js';
import { startServer } from '../../src/http/server.js';
import type { GalleyServer } from '../../src/http/server.js';
import { createTestPostgres, requireService } from '../../src/testing/services.js';
import type { TestPostgres } from '../../src/testing/services.js';

export const SUPERUSER_EMAIL = 'root@example.com';
export const SUPERUSER_PASSWORD = 'correct horse battery';

export interface TestApp {
  app: App;
  server: GalleyServer;
  url: string;
  dialect: Dialect;
  /** A valid superuser token. */
  token: string;
  /** fetch against the server, JSON in and out; `token: null` sends no Authorization. */
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>;
}

export interface CallOptions {
  body?: unknown;
  /** Raw body text, sent as is (with the JSON content type unless headers say otherwise). */
  raw?: string;
  headers?: Record<string, string>;
  /** Defaults to the superuser token. */
  token?: string | null;
}

export interface CallResult {
  status: number;
  headers: Headers;
  // Parsed JSON of whatever shape the route answers; tests assert on it field by field.
  body: any;
}

export interface CreateTestAppOptions {
  config?: GalleyConfigInput;
  /** Reuse a database (a second node): PostgreSQL URL. */
  databaseUrl?: string;
  open?: AppOpenOptions;
}

export async function createTestApp(dialect: Dialect, options: CreateTestAppOptions = {}): Promise<TestApp & { cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'galley-http-'));
  let pg: TestPostgres | undefined;
  let databaseUrl = options.databaseUrl;
  if (dialect === 'postgres' && !databaseUrl) {
    pg = await createTestPostgres('http');
    databaseUrl = pg.url;
  }
  const config = resolveConfig({ dataDir: dir, ...options.config, ...(databaseUrl ? { databaseUrl } : {}) }, {});
  const app = await App.open(config, { logger: pino({ level: 'silent' }), ...options.open });
  const server = await startServer(app, { http: '127.0.0.1:0' });
  await upsertSuperuser(app, SUPERUSER_EMAIL, SUPERUSER_PASSWORD);

  const call = async (method: string, path: string, o: CallOptions = {}): Promise<CallResult> => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...o.headers };
    const token = o.token === undefined ? testApp.token : o.token;
    if (token) headers.authorization ??= token;
    const body = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
    const res = await fetch(server.url + path, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };

  const testApp: TestApp & { cleanup(): Promise<void> } = {
    app,
    server,
    url: server.url,
    dialect,
    token: '',
    call,
    async cleanup() {
      await server.close().catch(() => {});
      await app.close().catch(() => {});
      await pg?.drop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  const login = await call('POST', '/api/collections/_superusers/auth-with-password', {
    body: { identity: SUPERUSER_EMAIL, password: SUPERUSER_PASSWORD },
    token: null,
  });
  if (login.status !== 200) throw new Error(`superuser login failed: ${JSON.stringify(login.body)}`);
  testApp.token = login.body.token;
  return testApp;
}

/** Registers `name [sqlite]` and `name [postgres]`, each on a fresh app. */
export function eachAppDialect(
  name: string,
  fn: (t: TestApp, ctx: TestContext) => Promise<void>,
  options: CreateTestAppOptions = {},
): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    test(`${name} [${dialect}]`, async (ctx) => {
      if (dialect === 'postgres' && !(await requireService(ctx, 'postgres'))) return;
      const t = await createTestApp(dialect, options);
      try {
        await fn(t, ctx);
      } finally {
        await t.cleanup();
      }
    });
  }
}
