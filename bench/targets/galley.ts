/**
 * Starts Galley as a user would (`node bin/galley.js serve`) on a fresh data dir (SQLite) or a
 * fresh PostgreSQL database (`--db`), creates the benchmark collection through the collections API
 * as a superuser, opens the `users` view rule for `expand=owner`, and loads users and posts with
 * direct SQL into the collection tables (the storage layout is a documented contract; going
 * through the API would make loading 100,000 rows the slowest part of the run). Then it serves
 * again on that data, as an app restarted on its data would (fresh planner statistics).
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
import { generatePosts, insertPosts, insertUsers, postsCollectionBody } from '../dataset.js';
import type { UserRow } from '../dataset.js';
import { loadPg } from '../pg-data.js';
import { ServerProcess } from '../server-process.js';
import type { Target } from '../server-process.js';
import { requestJson } from '../request-json.js';

/** This checkout: the Galley that runs unless `root` names another (a built worktree, for A/B runs). */
/** This checkout: the Galley `startGalley` runs when no other root is given. */
export const OWN_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SUPERUSER = { email: 'bench@example.com', password: 'bench-password-1234' };

export interface GalleyTarget extends Target {
  /** Spawn -> first 200 from /api/health: on the empty data dir, and restarted on the loaded data. */
  readyMs: { empty: number; loaded: number };
  /**
   * Serves again on the same data and port with extra Node flags (`--cpu-prof …`), or none, and
   * optionally under a command prefix (`valgrind --tool=callgrind …`, see ../callgrind.ts).
   */
  restart(nodeArgs: readonly string[], wrapper?: readonly string[]): Promise<void>;
}

export type StartResult = { target: GalleyTarget } | { unavailable: string };

export interface GalleyOptions {
  name: string;
  records: number;
  users: readonly UserRow[];
  /** A `postgres://` URL of an empty database: run Galley on PostgreSQL instead of SQLite. */
  pgUrl?: string;
  /** The checkout whose `bin/galley.js` and built `dist/` run (default: this one). */
  root?: string;
  /** Sets `logs.minLevel` (4: request logs of 4xx and 5xx only) before the data is loaded. */
  logsMinLevel?: number;
}

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

function api(url: string, method: string, body?: unknown, token?: string): Promise<{ status: number; json: unknown; text: string }> {
  return requestJson(url, method, body, token ? { authorization: token } : {});
}

export async function startGalley(options: GalleyOptions): Promise<StartResult> {
  const ROOT = options.root ?? OWN_ROOT;
  const BIN = join(ROOT, 'bin', 'galley.js');
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    return { unavailable: 'not built (run `npm run build` first)' };
  }
  const dir = await mkdtemp(join(tmpdir(), 'galley-bench-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const where = ['--dir', dir, ...(options.pgUrl ? ['--db', options.pgUrl] : [])];
  let proc: ServerProcess | undefined;
  try {
    await promisify(execFile)(process.execPath, [BIN, 'superuser', 'upsert', SUPERUSER.email, SUPERUSER.password, ...where], { cwd: ROOT });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const serve = async (nodeArgs: readonly string[] = [], wrapper: readonly string[] = []): Promise<{ proc: ServerProcess; readyMs: number }> => {
      const t0 = performance.now();
      const [command, ...args] = [...wrapper, process.execPath, ...nodeArgs, BIN, 'serve', ...where, '--http', `127.0.0.1:${port}`];
      const p = new ServerProcess(command as string, args, { cwd: ROOT, env: { ...process.env, GALLEY_LOG_LEVEL: 'warn' } });
      try {
        // Generous: on a saturated shared machine a start can take tens of seconds, under
        // valgrind minutes.
        await p.waitForHttp(`${url}/api/health`, wrapper.length > 0 ? 600_000 : 90_000);
      } catch (err) {
        await p.stop();
        throw err;
      }
      return { proc: p, readyMs: performance.now() - t0 };
    };
    const first = await serve();
    proc = first.proc;

    const login = await api(`${url}/api/collections/_superusers/auth-with-password`, 'POST', { identity: SUPERUSER.email, password: SUPERUSER.password });
    const token = (login.json as { token?: unknown } | undefined)?.token;
    if (login.status !== 200 || typeof token !== 'string') throw new Error(`superuser login answered ${login.status}: ${login.text}`);
    const created = await api(`${url}/api/collections`, 'POST', postsCollectionBody(), token);
    if (created.status !== 200) throw new Error(`creating the posts collection answered ${created.status}: ${created.text}`);
    // `expand=owner` shows owners to guests only when the users view rule lets them see users.
    const users = await api(`${url}/api/collections/users`, 'PATCH', { viewRule: '' }, token);
    if (users.status !== 200) throw new Error(`opening the users view rule answered ${users.status}: ${users.text}`);
    if (options.logsMinLevel !== undefined) {
      const logs = await api(`${url}/api/settings`, 'PATCH', { logs: { minLevel: options.logsMinLevel } }, token);
      if (logs.status !== 200) throw new Error(`setting logs.minLevel answered ${logs.status}: ${logs.text}`);
    }

    const probe = await api(`${url}/api/collections/posts/records?perPage=1`, 'GET');
    if (probe.status !== 200 || !Array.isArray((probe.json as { items?: unknown } | undefined)?.items)) {
      const p = proc;
      proc = undefined;
      await p.stop();
      await cleanup();
      return { unavailable: `records API not available yet (list answered ${probe.status})` };
    }

    // Loaded while no server runs: Galley's shutdown runs `PRAGMA optimize`, whose limited
    // re-analysis of a table that grew since the connection opened drops the full ANALYZE's
    // sqlite_stat4 samples (the planner then misjudges `views > N` and scans the created index).
    proc = undefined;
    await first.proc.stop();
    if (options.pgUrl) {
      await loadPg(options.pgUrl, generatePosts(options.records), options.users, false);
    } else {
      const db = new Database(join(dir, 'data.db'));
      try {
        db.pragma('busy_timeout = 5000');
        insertUsers(db, options.users);
        insertPosts(db, generatePosts(options.records));
        db.exec('ANALYZE');
      } finally {
        db.close();
      }
    }
    // Serve again on the loaded data, as an app restarted on its data would: a connection plans
    // with the statistics it loaded at open.
    const second = await serve();
    let running = second.proc;
    const target: GalleyTarget = {
      name: options.name,
      url,
      get process() {
        return running;
      },
      readyMs: { empty: first.readyMs, loaded: second.readyMs },
      async restart(nodeArgs, wrapper) {
        await running.stop();
        running = (await serve(nodeArgs, wrapper)).proc;
      },
      stop: async () => {
        await running.stop();
        await cleanup();
      },
    };
    return { target };
  } catch (err) {
    await proc?.stop();
    await cleanup();
    return { unavailable: `failed to start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
}
