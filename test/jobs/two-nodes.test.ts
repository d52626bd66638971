/**
 * Two real `galley serve` processes on one PostgreSQL schema share the job queue (issue 5):
 * 1,000 jobs each run exactly once, and a job whose node is SIGKILLed mid-run completes on the
 * other node once its lease has expired. The nodes define the job kinds through `--app`
 * (fixtures/jobs-app.ts) and record each execution in a table; they run without Redis, so they
 * find each other's jobs by polling (the safety net that also covers lost wake-up messages).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { pino } from 'pino';
import { App } from '../../src/app/app.js';
import { resolveConfig } from '../../src/app/config.js';
import { createTestPostgres, requireService } from '../../src/testing/services.js';
import { galleyLauncher } from '../cluster/galley-launcher.js';
import { startGalleyNode, type GalleyNode } from '../cluster/galley-node.js';

const APP_FILE = fileURLToPath(new URL('./fixtures/jobs-app.ts', import.meta.url));
const JOBS = 1000;
const LEASE_MS = 1500;
const GUARD_MS = 60_000;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, nodes: GalleyNode[]): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    // A guard against a hang, with the nodes' output; not a timing assertion.
    if (Date.now() - started > GUARD_MS) {
      assert.fail(`still waiting after ${GUARD_MS / 1000} s for ${what}\n${nodes.map((n) => `--- node ${n.name} ---\n${n.output()}`).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('two node processes on PostgreSQL share the job queue', { timeout: 240_000 }, async (t) => {
  if (!(await requireService(t, 'postgres'))) return;
  t.diagnostic(`galley launched via ${galleyLauncher().kind} (${galleyLauncher().reason})`);
  const pg = await createTestPostgres('jobs');
  const work = await mkdtemp(join(tmpdir(), 'galley-jobs-'));
  const nodes: GalleyNode[] = [];
  let app: App | undefined;
  t.after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await app?.close();
    await pg.drop();
    await rm(work, { recursive: true, force: true });
  });

  // The test's own App creates the system tables (so both nodes can start at once) and enqueues;
  // it never listens, so its job worker never starts.
  app = await App.open(resolveConfig({ databaseUrl: pg.url, dataDir: join(work, 'test') }, {}), { logger: pino({ level: 'silent' }) });
  const conn = app.db;
  const q = app.jobs;
  await conn.run(`CREATE TABLE "jobs_test_runs" ("job" TEXT NOT NULL, "node" TEXT NOT NULL, "attempt" INTEGER NOT NULL, "what" TEXT NOT NULL)`);
  const started = await Promise.allSettled(['A', 'B'].map(async (name) => {
    const dir = join(work, name);
    await mkdir(join(dir, 'migrations'), { recursive: true });
    const args = ['--db', pg.url, '--http', '127.0.0.1:0', '--dir', dir, '--migrations', join(dir, 'migrations'), '--app', APP_FILE];
    return startGalleyNode(name, args, {
      cwd: dir,
      env: { JOBS_TEST_NODE: name, GALLEY_JOBS_LEASE_MS: String(LEASE_MS), GALLEY_JOBS_POLL_MS: '200', GALLEY_LOG_LEVEL: 'warn' },
    });
  }));
  for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  const [a, b] = nodes as [GalleyNode, GalleyNode];

  await t.test(`${JOBS} jobs, each runs exactly once`, async () => {
    await conn.transaction(async () => {
      for (let i = 0; i < JOBS; i++) await q.enqueue('test.record', { i });
    });
    await waitFor(`${JOBS} completed jobs`, async () => {
      const list = await q.list({ state: 'completed', kind: 'test.record', perPage: 1 });
      return list.totalItems === JOBS ? true : undefined;
    }, nodes);
    const runs = await conn.all<{ job: string; n: number | string }>(`SELECT "job", COUNT(*) AS "n" FROM "jobs_test_runs" GROUP BY "job"`);
    assert.equal(runs.length, JOBS, 'every job ran');
    const twice = runs.filter((r) => Number(r.n) !== 1).map((r) => r.job);
    if (twice.length > 0) {
      const detail = await conn.all(`SELECT r."job", r."node", r."attempt", j."attempts", j."lastError" FROM "jobs_test_runs" r JOIN "_jobs" j ON j."id" = r."job" WHERE r."job" IN (${twice.map(() => '?').join(', ')})`, twice);
      assert.fail(`${twice.length} jobs ran more than once: ${JSON.stringify(detail)}\n${nodes.map((n) => `--- node ${n.name} ---\n${n.output()}`).join('\n')}`);
    }
    const perNode = await conn.all<{ node: string; n: number | string }>(`SELECT "node", COUNT(*) AS "n" FROM "jobs_test_runs" GROUP BY "node" ORDER BY "node"`);
    t.diagnostic(`executions per node: ${perNode.map((r) => `${r.node}=${r.n}`).join(', ')}`);
    const notCompleted = await q.list({ filter: `state != 'completed'`, perPage: 5 });
    assert.equal(notCompleted.totalItems, 0, JSON.stringify(notCompleted.items));
  });

  await t.test('a node killed mid-job: the job completes on the other node after the lease', async () => {
    const { id } = await q.enqueue('test.hang', null);
    const started = await waitFor('the hanging job to start on a node', async () =>
      conn.get<{ node: string }>(`SELECT "node" FROM "jobs_test_runs" WHERE "job" = ? AND "what" = 'started'`, [id]), nodes);
    const victim = started.node === 'A' ? a : b;
    const survivor = victim === a ? b : a;
    await victim.kill('SIGKILL');
    const job = await waitFor('the job to complete on the surviving node', async () => {
      const row = await q.get(id);
      return row?.state === 'completed' ? row : undefined;
    }, nodes);
    assert.equal(job.attempts, 2);
    assert.deepEqual(job.result, { node: survivor.name });
    const runs = await conn.all<{ node: string; attempt: number; what: string }>(
      `SELECT "node", "attempt", "what" FROM "jobs_test_runs" WHERE "job" = ? ORDER BY "attempt"`, [id]);
    assert.deepEqual(runs.map((r) => ({ ...r, attempt: Number(r.attempt) })), [
      { node: victim.name, attempt: 1, what: 'started' },
      { node: survivor.name, attempt: 2, what: 'done' },
    ]);
  });
});
