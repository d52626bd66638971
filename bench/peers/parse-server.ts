/**
 * Parse Server (8.x) on PostgreSQL, as the peer "parse". Its own database per run, dropped on stop.
 *
 * Schema: the `posts` class is created through `POST /parse/schemas` (Parse makes the table), then
 * the rows are written with direct SQL into that table (Parse's PostgreSQL layout: `objectId`,
 * `createdAt`, `updatedAt`, `_rperm`, `_wperm`, one column per field), with the bench's two
 * indexes, then `ANALYZE`. `created`/`updated` are Parse's own `createdAt`/`updatedAt`.
 *
 * Read permission: the class lets the public find/get/count; each row's ACL does the rest, as a
 * Parse app would: published posts are readable by everyone (`_rperm = {*}`), the others only by
 * their owner (`_rperm = {<owner id>}`). That is PocketBase's `published = true || owner =
 * @request.auth.id`, and Parse enforces it in the SQL it sends (`_rperm && ARRAY['*']`).
 */
import pg from 'pg';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePosts } from '../dataset.js';
import { freePort } from '../targets/galley.js';
import { ServerProcess } from '../server-process.js';
import { installPeer } from './install-peer.js';
import type { InstalledPeer, PeerPackage } from './install-peer.js';
import type { PeerTarget } from './peer-target.js';
import type { AnswerSummary, PocketBaseRequest } from './pocketbase-request.js';
import { requestJson } from '../request-json.js';

export const PARSE_PACKAGE: PeerPackage = { folder: 'parse', spec: 'parse-server@^8', packageName: 'parse-server' };

const APP_ID = 'galley-bench';
const MASTER_KEY = 'galley-bench-master-key';
const FIELD = (name: string) => ({ id: 'objectId', created: 'createdAt', updated: 'updatedAt' })[name] ?? name;
const OPERATOR = { '>': '$gt', '>=': '$gte', '<': '$lt', '<=': '$lte', '=': null, '!=': '$ne' } as const;

export function installParse(log: (line: string) => void): Promise<InstalledPeer> {
  return installPeer(PARSE_PACKAGE, log);
}

export function parseServerPath(request: PocketBaseRequest): string {
  const base = `/parse/classes/${request.collection}`;
  if (request.kind === 'view') return `${base}/${encodeURIComponent(request.id)}`;
  const params = new URLSearchParams();
  if (request.filter) {
    const op = OPERATOR[request.filter.operator];
    params.set('where', JSON.stringify({ [FIELD(request.filter.field)]: op ? { [op]: request.filter.value } : request.filter.value }));
  }
  if (request.sort.length > 0) params.set('order', request.sort.map((s) => `${s.descending ? '-' : ''}${FIELD(s.field)}`).join(','));
  params.set('limit', String(request.perPage));
  params.set('skip', String((request.page - 1) * request.perPage));
  if (!request.skipTotal) params.set('count', '1');
  return `${base}?${params}`;
}

function summarize(request: PocketBaseRequest, status: number, body: unknown): AnswerSummary {
  if (status !== 200 || typeof body !== 'object' || body === null) return { status, ids: [] };
  if (request.kind === 'view') return { status, ids: [String((body as { objectId?: unknown }).objectId)] };
  const list = body as { results?: Array<{ objectId?: unknown }>; count?: unknown };
  const ids = (list.results ?? []).map((r) => String(r.objectId));
  return typeof list.count === 'number' ? { status, ids, total: list.count } : { status, ids };
}

function api(url: string, method: string, body?: unknown): Promise<{ status: number; text: string }> {
  return requestJson(url, method, body, { 'x-parse-application-id': APP_ID, 'x-parse-master-key': MASTER_KEY });
}

async function loadRows(client: pg.Client, recordCount: number): Promise<void> {
  const columns = { id: [] as string[], created: [] as string[], title: [] as string[], body: [] as string[], published: [] as boolean[], owner: [] as string[], views: [] as number[], rperm: [] as string[] };
  const flush = async () => {
    if (columns.id.length === 0) return;
    // One statement per 10,000 rows: arrays in, rows out (unnest), no per-row round trip.
    await client.query(
      `INSERT INTO "posts" ("objectId", "createdAt", "updatedAt", "title", "body", "published", "owner", "views", "_rperm", "_wperm")
       SELECT id, c, c, t, b, p, o, v, ARRAY[r], '{}'::text[]
       FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::float8[], $8::text[]) AS u(id, c, t, b, p, o, v, r)`,
      [columns.id, columns.created, columns.title, columns.body, columns.published, columns.owner, columns.views, columns.rperm],
    );
    for (const list of Object.values(columns)) list.length = 0;
  };
  for (const row of generatePosts(recordCount)) {
    columns.id.push(row.id);
    columns.created.push(row.created.replace(' ', 'T'));
    columns.title.push(row.title);
    columns.body.push(row.body);
    columns.published.push(row.published === 1);
    columns.owner.push(row.owner);
    columns.views.push(row.views);
    columns.rperm.push(row.published ? '*' : row.owner);
    if (columns.id.length >= 10_000) await flush();
  }
  await flush();
  await client.query('CREATE INDEX "posts_createdAt" ON "posts" ("createdAt")');
  await client.query('CREATE INDEX "posts_views" ON "posts" ("views", "published", "owner")');
  await client.query('ANALYZE "posts"');
}

/** The PostgreSQL server Parse uses; the bench creates and drops its own database in it. */
export function parsePostgresUrl(): string {
  return process.env.GALLEY_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export async function startParse(installed: InstalledPeer, recordCount: number): Promise<PeerTarget> {
  const adminUrl = parsePostgresUrl();
  const database = `galley_bench_parse_${process.pid}_${Date.now().toString(36)}`;
  const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${database}` }).toString();
  const dir = await mkdtemp(join(tmpdir(), 'galley-bench-parse-'));
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let proc: ServerProcess | undefined;
  const dropDatabase = async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => {});
    await admin.end().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        appId: APP_ID,
        masterKey: MASTER_KEY,
        databaseURI: databaseUrl,
        host: '127.0.0.1',
        port,
        mountPath: '/parse',
        // No log files (only a config file can say null; the environment variable cannot), warnings
        // to stdout only.
        logsFolder: null,
        logLevel: 'warn',
      }),
    );
    proc = new ServerProcess(process.execPath, [join(installed.dir, 'node_modules', 'parse-server', 'bin', 'parse-server'), config], {
      cwd: dir,
      env: { ...process.env, NODE_ENV: 'production' },
    });
    // Generous: Parse loads ~500 packages at start, slow on a busy machine.
    await proc.waitForHttp(`${url}/parse/health`, 180_000);
    const created = await api(`${url}/parse/schemas/posts`, 'POST', {
      className: 'posts',
      fields: { title: { type: 'String' }, body: { type: 'String' }, published: { type: 'Boolean' }, owner: { type: 'String' }, views: { type: 'Number' } },
      classLevelPermissions: { find: { '*': true }, count: { '*': true }, get: { '*': true }, create: {}, update: {}, delete: {}, addField: {}, protectedFields: {} },
    });
    if (created.status !== 200) throw new Error(`creating the posts class answered ${created.status}: ${created.text}`);
    const data = new pg.Client({ connectionString: databaseUrl });
    await data.connect();
    try {
      await loadRows(data, recordCount);
    } finally {
      await data.end();
    }
    const running = proc;
    return {
      name: 'parse',
      label: `Parse Server ${installed.version} (PostgreSQL)`,
      url,
      process: running,
      headers: { 'x-parse-application-id': APP_ID },
      translate: parseServerPath,
      summarize,
      databaseProcesses: async () => {
        const res = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
        return res.rows.map((r) => r.pid);
      },
      stop: async () => {
        await running.stop();
        await dropDatabase();
      },
    };
  } catch (err) {
    await proc?.stop();
    await dropDatabase();
    throw err;
  }
}
