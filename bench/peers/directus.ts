/**
 * Directus 11 on SQLite, as the peer "directus". Directus 11 needs Node >= 22: when the bench
 * runs on an older Node, an official Node 22 build is installed beside it (install-peer.ts).
 *
 * Schema: `directus bootstrap` on a fresh SQLite file, the `posts` collection created through
 * `POST /collections` (string primary key, so the rows keep the bench's ids), then the rows written
 * with direct SQL into that table in Directus's SQLite encoding (booleans 0/1, timestamps as epoch
 * milliseconds), the bench's two indexes and `ANALYZE`, and Directus started again on its data so
 * its connections plan with those statistics (as for Galley).
 *
 * Read permission: a read permission on `posts` in the built-in Public policy with the item rule
 * `published = true OR owner = $CURRENT_USER`, PocketBase's `published = true || owner =
 * @request.auth.id`; Directus adds it to the SQL of every query.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BetterSqlite3Driver as Database } from '../../src/db/sqlite/better-sqlite3-driver.js';
import { generatePosts } from '../dataset.js';
import { freePort } from '../targets/galley.js';
import { ServerProcess } from '../server-process.js';
import { installPeer, nodeAtLeast } from './install-peer.js';
import type { InstalledPeer } from './install-peer.js';
import type { PeerTarget } from './peer-target.js';
import type { AnswerSummary, PocketBaseRequest } from './pocketbase-request.js';
import { requestJson } from '../request-json.js';

export interface DirectusInstall extends InstalledPeer {
  node: string;
  nodeVersion: string;
}

const ADMIN = { email: 'bench@example.com', password: 'bench-password-1234' };
const OPERATOR = { '>': '_gt', '>=': '_gte', '<': '_lt', '<=': '_lte', '=': '_eq', '!=': '_neq' } as const;

export async function installDirectus(log: (line: string) => void): Promise<DirectusInstall> {
  const node = await nodeAtLeast(22, log);
  const installed = await installPeer(
    {
      folder: 'directus',
      spec: 'directus@^11',
      packageName: 'directus',
      // Native modules without reachable prebuilt binaries are compiled for `node`.
      allowScripts: ['sqlite3', 'argon2', 'isolated-vm', 'sharp'],
      nodeBinary: node,
    },
    log,
  );
  const { stdout } = await promisify(execFile)(node, ['--version']);
  return { ...installed, node, nodeVersion: stdout.trim().replace(/^v/, '') };
}

export function directusPath(request: PocketBaseRequest): string {
  const base = `/items/${request.collection}`;
  if (request.kind === 'view') return `${base}/${encodeURIComponent(request.id)}`;
  const params = new URLSearchParams();
  params.set('limit', String(request.perPage));
  params.set('page', String(request.page));
  if (request.sort.length > 0) params.set('sort', request.sort.map((s) => `${s.descending ? '-' : ''}${s.field}`).join(','));
  if (request.filter) params.set(`filter[${request.filter.field}][${OPERATOR[request.filter.operator]}]`, String(request.filter.value));
  // The count PocketBase returns unless skipTotal: the number of items matching filter + permissions.
  if (!request.skipTotal) params.set('meta', 'filter_count');
  return `${base}?${params}`;
}

function summarize(request: PocketBaseRequest, status: number, body: unknown): AnswerSummary {
  const data = typeof body === 'object' && body !== null ? (body as { data?: unknown; meta?: { filter_count?: unknown } }) : {};
  if (status !== 200 || data.data === undefined) return { status, ids: [] };
  if (request.kind === 'view') return { status, ids: [String((data.data as { id?: unknown }).id)] };
  const ids = (data.data as Array<{ id?: unknown }>).map((item) => String(item.id));
  const total = data.meta?.filter_count;
  return total === undefined ? { status, ids } : { status, ids, total: Number(total) };
}

function api(url: string, method: string, body?: unknown, token?: string): Promise<{ status: number; json: unknown; text: string }> {
  return requestJson(url, method, body, token ? { authorization: `Bearer ${token}` } : {});
}

async function ok(what: string, res: Promise<{ status: number; json: unknown; text: string }>): Promise<unknown> {
  const r = await res;
  if (r.status < 200 || r.status > 299) throw new Error(`${what} answered ${r.status}: ${r.text.slice(0, 500)}`);
  return (r.json as { data?: unknown } | undefined)?.data;
}

const POSTS_COLLECTION = {
  collection: 'posts',
  schema: {},
  meta: { hidden: false },
  fields: [
    { field: 'id', type: 'string', schema: { is_primary_key: true, max_length: 15, has_auto_increment: false }, meta: { hidden: true } },
    { field: 'title', type: 'string', schema: { max_length: 200, is_nullable: false, default_value: '' } },
    { field: 'body', type: 'text', schema: { is_nullable: false, default_value: '' } },
    { field: 'published', type: 'boolean', schema: { is_nullable: false, default_value: false } },
    { field: 'owner', type: 'string', schema: { max_length: 15, is_nullable: false, default_value: '' } },
    { field: 'views', type: 'integer', schema: { is_nullable: false, default_value: 0 } },
    { field: 'created', type: 'timestamp', schema: { is_nullable: false }, meta: { special: ['date-created'] } },
    { field: 'updated', type: 'timestamp', schema: { is_nullable: false }, meta: { special: ['date-updated'] } },
  ],
};

function insertRows(file: string, recordCount: number): void {
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 5000');
    const insert = db.prepare(
      'INSERT INTO "posts" ("id", "title", "body", "published", "owner", "views", "created", "updated") VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    db.transaction(() => {
      for (const row of generatePosts(recordCount)) {
        const ms = Date.parse(row.created.replace(' ', 'T'));
        insert.run(row.id, row.title, row.body, row.published, row.owner, row.views, ms, ms);
      }
    })();
    db.exec('CREATE INDEX "idx_posts_created" ON "posts" ("created")');
    db.exec('CREATE INDEX "idx_posts_views" ON "posts" ("views", "published", "owner")');
    db.exec('ANALYZE');
  } finally {
    db.close();
  }
}

export async function startDirectus(installed: DirectusInstall, recordCount: number): Promise<PeerTarget> {
  const dir = await mkdtemp(join(tmpdir(), 'galley-bench-directus-'));
  const cli = join(installed.dir, 'node_modules', 'directus', 'cli.js');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dbFile = join(dir, 'data.db');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: url,
    DB_CLIENT: 'sqlite3',
    DB_FILENAME: dbFile,
    SECRET: 'galley-bench-directus-secret-0123456789',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    STORAGE_LOCAL_ROOT: join(dir, 'uploads'),
    EXTENSIONS_PATH: join(dir, 'extensions'),
    LOG_LEVEL: 'warn',
    TELEMETRY: 'false',
    // Directus sheds load with 503 when its event loop lags > 500 ms; on a shared 2-core machine
    // under 50 connections that would measure the limiter, not the server. Off, as for the others.
    PRESSURE_LIMITER_ENABLED: 'false',
  };
  let proc: ServerProcess | undefined;
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const serve = async (): Promise<ServerProcess> => {
    const p = new ServerProcess(installed.node, [cli, 'start'], { cwd: dir, env });
    await p.waitForHttp(`${url}/server/ping`, 180_000);
    return p;
  };
  try {
    await promisify(execFile)(installed.node, [cli, 'bootstrap'], { cwd: dir, env, timeout: 180_000 });
    proc = await serve();
    const login = (await ok('admin login', api(`${url}/auth/login`, 'POST', ADMIN))) as { access_token?: string } | undefined;
    const token = login?.access_token;
    if (!token) throw new Error('admin login returned no access token');
    await ok('creating the posts collection', api(`${url}/collections`, 'POST', POSTS_COLLECTION, token));
    const policies = (await ok(
      'reading the public policy',
      api(`${url}/policies?filter[name][_eq]=${encodeURIComponent('$t:public_label')}&fields=id`, 'GET', undefined, token),
    )) as Array<{ id: string }>;
    const publicPolicy = policies[0]?.id;
    if (!publicPolicy) throw new Error('no Public policy found');
    await ok(
      'granting public read',
      api(
        `${url}/permissions`,
        'POST',
        {
          policy: publicPolicy,
          collection: 'posts',
          action: 'read',
          fields: ['*'],
          permissions: { _or: [{ published: { _eq: true } }, { owner: { _eq: '$CURRENT_USER' } }] },
        },
        token,
      ),
    );
    const first = proc;
    proc = undefined;
    await first.stop();
    insertRows(dbFile, recordCount);
    proc = await serve();
    const running = proc;
    return {
      name: 'directus',
      label: `Directus ${installed.version} (SQLite, Node ${installed.nodeVersion})`,
      url,
      process: running,
      headers: {},
      translate: directusPath,
      summarize,
      stop: async () => {
        await running.stop();
        await cleanup();
      },
    };
  } catch (err) {
    await proc?.stop();
    await cleanup();
    throw err;
  }
}
