/**
 * Starts Galley as a user would (`node bin/galley.js serve`) on a fresh data dir, creates the
 * benchmark collection through the collections API as a superuser, and loads the records with
 * direct SQL into the collection table (the storage layout is a documented contract; going
 * through the API would make loading 100,000 rows the slowest part of the run).
 *
 * Returns why not, instead of a target, while a piece is missing (build, records API), so the
 * harness still runs the baseline and reports "not available yet".
 */
import { BetterSqlite3Driver as Database } from '../../src/db/sqlite/better-sqlite3-driver.js';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generatePosts, insertPosts, postsCollectionBody } from '../dataset.js';
import { ServerProcess } from '../server-process.js';
import type { Target } from '../server-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'galley.js');
const SUPERUSER = { email: 'bench@example.com', password: 'bench-password-1234' };

export type StartResult = { target: Target } | { unavailable: string };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function api(url: string, method: string, body?: unknown, token?: string): Promise<{ status: number; json: unknown; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = token;
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

export async function startGalley(name: string, recordCount: number): Promise<StartResult> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    return { unavailable: 'not built (run `npm run build` first)' };
  }
  const dir = await mkdtemp(join(tmpdir(), 'galley-bench-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  let proc: ServerProcess | undefined;
  try {
    await promisify(execFile)(process.execPath, [BIN, 'superuser', 'upsert', SUPERUSER.email, SUPERUSER.password, '--dir', dir], { cwd: ROOT });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const serve = async (): Promise<ServerProcess> => {
      const p = new ServerProcess(process.execPath, [BIN, 'serve', '--dir', dir, '--http', `127.0.0.1:${port}`], {
        cwd: ROOT,
        env: { ...process.env, GALLEY_LOG_LEVEL: 'warn' },
      });
      await p.waitForHttp(`${url}/api/health`);
      return p;
    };
    proc = await serve();

    const login = await api(`${url}/api/collections/_superusers/auth-with-password`, 'POST', { identity: SUPERUSER.email, password: SUPERUSER.password });
    const token = (login.json as { token?: unknown } | undefined)?.token;
    if (login.status !== 200 || typeof token !== 'string') throw new Error(`superuser login answered ${login.status}: ${login.text}`);
    const created = await api(`${url}/api/collections`, 'POST', postsCollectionBody(), token);
    if (created.status !== 200) throw new Error(`creating the posts collection answered ${created.status}: ${created.text}`);

    const probe = await api(`${url}/api/collections/posts/records?perPage=1`, 'GET');
    if (probe.status !== 200 || !Array.isArray((probe.json as { items?: unknown } | undefined)?.items)) {
      const p = proc;
      proc = undefined;
      await p.stop();
      await cleanup();
      return { unavailable: `records API not available yet (list answered ${probe.status})` };
    }

    const db = new Database(join(dir, 'data.db'));
    try {
      db.pragma('busy_timeout = 5000');
      insertPosts(db, generatePosts(recordCount));
      db.exec('ANALYZE');
    } finally {
      db.close();
    }
    // Rows written by another connection (and its ANALYZE) are not in the statistics the running
    // server's connections loaded at open: serve again, as an app restarted on its data would.
    const first = proc;
    proc = undefined;
    await first.stop();
    proc = await serve();
    const running = proc;
    return {
      target: {
        name,
        url,
        process: running,
        stop: async () => {
          await running.stop();
          await cleanup();
        },
      },
    };
  } catch (err) {
    await proc?.stop();
    await cleanup();
    return { unavailable: `failed to start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
}
