/**
 * The behaviour the job queue must show on every database backend (issue 5), registered as
 * node:test tests for one dialect; `job-queue.test.ts` runs it on SQLite and PostgreSQL. Queues are
 * built with short leases, polls and backoffs, so nothing here sleeps for long; waits poll for a
 * state with a generous guard and never assert how fast something happened, only what order and
 * which lower bounds (a retry never runs before its planned time) hold.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { Database, Dialect } from '../db/database.js';
import { openDatabase } from '../db/open-database.js';
import { MemoryBus } from '../realtime/memory/memory-bus.js';
import { MemoryPubSub } from '../realtime/memory/memory-pubsub.js';
import { createTestDatabase } from '../testing/databases.js';
import { requireService } from '../testing/services.js';
import { CronScheduler } from './cron-scheduler.js';
import { JobQueue } from './job-queue.js';
import type { JobQueueOptions } from './job-queue.js';
import type { JobRow, JobState } from './job-types.js';
import { ensureJobsTables } from './jobs-table.js';

const silent = pino({ level: 'silent' });
const BACKOFF = { baseMs: 40, maxMs: 400 };
const GUARD_MS = 15_000;

interface Env {
  db: Database;
  /** A started queue on `db` (more with `node()`), stopped after the test. */
  queue(options?: Partial<JobQueueOptions>, db?: Database): JobQueue;
  /** A second node: a new connection and a queue on it sharing the in-memory bus. */
  node(options?: Partial<JobQueueOptions>): Promise<{ db: Database; queue: JobQueue }>;
  /** A PubSub on the nodes' shared in-memory bus (what other nodes hear). */
  pubsub(): MemoryPubSub;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    // A guard against a hang, reported with what was awaited; not a timing assertion.
    if (Date.now() - started > GUARD_MS) assert.fail(`still waiting after ${GUARD_MS / 1000} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function waitState(queue: JobQueue, id: string, ...states: JobState[]): Promise<JobRow> {
  return waitFor(`job ${id} to be ${states.join('/')}`, async () => {
    const job = await queue.get(id);
    return job && states.includes(job.state) ? job : undefined;
  });
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** Registers the suite for one dialect, each test on a fresh database (PostgreSQL skipped visibly when down). */
export function jobQueueConformance(dialect: Dialect): void {

  function it(name: string, body: (env: Env) => Promise<void>): void {
    test(`${name} [${dialect}]`, { timeout: 60_000 }, async (t) => {
      if (dialect === 'postgres' && !(await requireService(t, 'postgres'))) return;
      const created = await createTestDatabase(dialect);
      const openSecond = (): Promise<Database> => openDatabase({ url: created.url, dataDir: created.dir });
      const bus = new MemoryBus();
      const queues: JobQueue[] = [];
      const extra: Database[] = [];
      const pubsubs: MemoryPubSub[] = [];
      const make = (options: Partial<JobQueueOptions> = {}, db: Database = created.db): JobQueue => {
        const pubsub = new MemoryPubSub({ bus });
        pubsubs.push(pubsub);
        const q = new JobQueue({
          db,
          pubsub,
          nodeId: `node${queues.length + 1}`,
          logger: silent,
          leaseMs: 400,
          pollIntervalMs: 100,
          backoff: BACKOFF,
          progressIntervalMs: 0,
          stopTimeoutMs: 200,
          ...options,
        });
        queues.push(q);
        return q;
      };
      try {
        await ensureJobsTables(created.db);
        await body({
          db: created.db,
          queue: make,
          pubsub() {
            const p = new MemoryPubSub({ bus });
            pubsubs.push(p);
            return p;
          },
          async node(options) {
            const db = await openSecond();
            extra.push(db);
            return { db, queue: make(options, db) };
          },
        });
      } finally {
        await Promise.allSettled(queues.map((q) => q.stop()));
        await Promise.allSettled(pubsubs.map((p) => p.close()));
        await Promise.allSettled(extra.map((d) => d.close()));
        await created.cleanup();
      }
    });
  }

  describe(`job queue conformance [${dialect}]`, () => {
    it('a job enqueued in a rolled-back transaction never runs; a committed one does', async ({ db, queue }) => {
      const q = queue();
      const ran: number[] = [];
      q.define<{ n: number }>('record', async (ctx) => {
        ran.push(ctx.payload.n);
      });
      await q.start();
      await assert.rejects(
        db.transaction(async () => {
          await q.enqueue('record', { n: 1 });
          throw new Error('roll back');
        }),
        /roll back/,
      );
      const { id } = await db.transaction(async () => q.enqueue('record', { n: 2 }));
      await waitState(q, id, 'completed');
      const all = await q.list({ perPage: 100 });
      assert.equal(all.totalItems, 1, 'only the committed job exists');
      assert.deepEqual(ran, [2]);
    });

    it('other nodes are told about an enqueue after its commit, never about a rolled-back one', async ({ db, queue, pubsub }) => {
      const q = queue();
      const heard: unknown[] = [];
      await pubsub().subscribe('jobs', (message) => heard.push(message));
      await assert.rejects(db.transaction(async () => {
        await q.enqueue('x', null);
        throw new Error('roll back');
      }));
      let committed = false;
      await db.transaction(async () => {
        await q.enqueue('x', null);
        assert.deepEqual(heard, [], 'nothing is announced before the commit');
        committed = true;
      });
      await waitFor('the wake-up message', async () => heard.length > 0);
      assert.ok(committed);
      // One message for the commit: the rolled-back enqueue never announced anything.
      await q.enqueue('x', null, { dedupKey: 'k' });
      await waitFor('the second wake-up message', async () => heard.length > 1);
      assert.equal(heard.length, 2);
    });

    it('a retry in a rolled-back transaction changes nothing and runs nothing', async ({ db, queue }) => {
      const q = queue();
      let runs = 0;
      let failing = true;
      q.define('once-dead', async () => {
        runs++;
        if (failing) throw new Error('down');
      });
      await q.start();
      const { id } = await q.enqueue('once-dead', null, { maxAttempts: 1 });
      await waitState(q, id, 'dead');
      failing = false;
      await assert.rejects(db.transaction(async () => {
        await q.retry(id);
        // Give a worker woken too early every chance to claim inside this transaction.
        await new Promise((resolve) => setTimeout(resolve, 100));
        throw new Error('roll back');
      }), /roll back/);
      assert.equal((await q.get(id))?.state, 'dead');
      assert.equal(runs, 1);
      await q.retry(id);
      await waitState(q, id, 'completed');
      assert.equal(runs, 2);
    });

    it('a failing job retries with growing delays and ends dead', async ({ queue }) => {
      const q = queue();
      const runs: Array<{ attempt: number; at: number }> = [];
      q.define('flaky', async (ctx) => {
        runs.push({ attempt: ctx.attempt, at: Date.now() });
        throw new Error(`boom ${ctx.attempt}`);
      });
      await q.start();
      const { id } = await q.enqueue('flaky', null, { maxAttempts: 4 });
      const job = await waitState(q, id, 'dead');
      assert.deepEqual(runs.map((r) => r.attempt), [1, 2, 3, 4]);
      assert.equal(job.attempts, 4);
      assert.equal(job.lastError, 'boom 4');
      assert.ok(job.finished);
      // Each retry waits at least half of base * 2^(attempt-1) (the fixed half of the jittered delay).
      for (let i = 1; i < runs.length; i++) {
        const gap = (runs[i]?.at ?? 0) - (runs[i - 1]?.at ?? 0);
        const floor = (BACKOFF.baseMs * 2 ** (i - 1)) / 2;
        assert.ok(gap >= floor - 2, `retry ${i} came after ${gap} ms, before its planned delay (>= ${floor} ms)`);
      }
    });

    it('a delayed job waits for its time', async ({ queue }) => {
      const q = queue();
      let ranAt = 0;
      q.define('later', async () => {
        ranAt = Date.now();
      });
      await q.start();
      const enqueued = Date.now();
      const { id } = await q.enqueue('later', null, { delayMs: 300 });
      assert.equal((await q.get(id))?.state, 'queued');
      await waitState(q, id, 'completed');
      assert.ok(ranAt - enqueued >= 299, `ran ${ranAt - enqueued} ms after enqueue, before its delay`);
      const runAt = await q.enqueue('later', null, { runAt: new Date(Date.now() + 200) });
      assert.equal((await q.get(runAt.id))?.state, 'queued');
      await waitState(q, runAt.id, 'completed');
    });

    it('dedup keys hold under concurrent enqueues from two nodes, and free up when the job finishes', async ({ queue, node }) => {
      const a = queue();
      const { queue: b } = await node();
      const release = gate();
      let runs = 0;
      for (const q of [a, b]) {
        q.define('unique', async () => {
          runs++;
          await release.wait;
        });
      }
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).enqueue('unique', { i }, { dedupKey: 'report:42' })));
      const ids = new Set(results.map((r) => r.id));
      assert.equal(ids.size, 1, 'every enqueue got the same job');
      assert.equal(results.filter((r) => !r.deduplicated).length, 1, 'exactly one enqueue created it');
      const [id] = [...ids] as [string];
      await a.start();
      await b.start();
      await waitState(a, id, 'running');
      assert.equal((await a.enqueue('unique', null, { dedupKey: 'report:42' })).id, id, 'a running job holds its key');
      release.open();
      await waitState(a, id, 'completed');
      const again = await a.enqueue('unique', null, { dedupKey: 'report:42' });
      assert.equal(again.deduplicated, false, 'a finished job frees its key');
      await waitState(a, again.id, 'completed');
      assert.equal(runs, 2);
    });

    it('higher priority runs first', async ({ queue }) => {
      const q = queue();
      const order: number[] = [];
      q.define<{ p: number }>('prio', async (ctx) => {
        order.push(ctx.payload.p);
      }, { concurrency: 1 });
      const ids: string[] = [];
      for (const p of [0, 5, -3, 10, 1]) ids.push((await q.enqueue('prio', { p }, { priority: p })).id);
      await q.start();
      for (const id of ids) await waitState(q, id, 'completed');
      assert.deepEqual(order, [10, 5, 1, 0, -3]);
    });

    it('a queue runs at most its concurrency of jobs at once on a node', async ({ queue }) => {
      const q = queue();
      let active = 0;
      let peak = 0;
      q.define('work', async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 30));
        active--;
      }, { queue: 'narrow', concurrency: 2 });
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push((await q.enqueue('work', { i })).id);
      assert.equal((await q.get(ids[0] ?? ''))?.queue, 'narrow');
      await q.start();
      for (const id of ids) await waitState(q, id, 'completed');
      assert.equal(peak, 2);
    });

    it('a job past its timeout is aborted and the attempt fails', async ({ queue }) => {
      const q = queue();
      let sawAbort = false;
      q.define('slow', async (ctx) => {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        sawAbort = true;
        // Ignores the abort and keeps going: the attempt already counts as failed.
        await new Promise((resolve) => setTimeout(resolve, 50));
        return 'too late';
      }, { timeoutMs: 100 });
      await q.start();
      const { id } = await q.enqueue('slow', null, { maxAttempts: 2 });
      const job = await waitState(q, id, 'dead');
      assert.ok(sawAbort);
      assert.equal(job.attempts, 2);
      assert.match(job.lastError ?? '', /timed out after 100 ms/);
      assert.equal(job.result, null);
    });

    it('progress is stored while a job runs, and the result when it completes', async ({ queue }) => {
      const q = queue();
      const step = gate();
      q.define('report', async (ctx) => {
        await ctx.progress(1, 3, 'first rows');
        await step.wait;
        await ctx.progress(3, 3, 'done');
        return { file: 'report.csv', rows: 3 };
      });
      await q.start();
      const { id } = await q.enqueue('report', { collection: 'posts' });
      const running = await waitFor('progress 1/3', async () => {
        const job = await q.get(id);
        return job?.progress?.done === 1 ? job : undefined;
      });
      assert.equal(running.state, 'running');
      assert.deepEqual(running.progress, { done: 1, total: 3, message: 'first rows' });
      assert.ok(running.leaseOwner);
      step.open();
      const done = await waitState(q, id, 'completed');
      assert.deepEqual(done.progress, { done: 3, total: 3, message: 'done' });
      assert.deepEqual(done.result, { file: 'report.csv', rows: 3 });
      assert.deepEqual(done.payload, { collection: 'posts' });
      assert.equal(done.leaseOwner, null);
    });

    it('once() runs a step once across attempts and returns its stored result', async ({ queue }) => {
      const q = queue();
      let charges = 0;
      const seen: unknown[] = [];
      q.define('charge', async (ctx) => {
        const receipt = await ctx.once('charge-card', async () => {
          charges++;
          return { receipt: `r${charges}` };
        });
        seen.push(receipt);
        if (ctx.attempt === 1) throw new Error('mail server down');
        return receipt;
      });
      await q.start();
      const { id } = await q.enqueue('charge', null);
      const job = await waitState(q, id, 'completed');
      assert.equal(charges, 1);
      assert.deepEqual(seen, [{ receipt: 'r1' }, { receipt: 'r1' }]);
      assert.deepEqual(job.result, { receipt: 'r1' });
      assert.equal(job.attempts, 2);
    });

    it('a job of an unknown kind goes dead with a clear error', async ({ queue }) => {
      const q = queue();
      await q.start();
      const { id } = await q.enqueue('nobody.handles.this', { x: 1 });
      const job = await waitState(q, id, 'dead');
      assert.match(job.lastError ?? '', /unknown job kind "nobody\.handles\.this"/);
      assert.equal(job.attempts, 1);
    });

    it('a job whose node stopped renewing its lease runs again on another node', async ({ queue, node }) => {
      const { queue: dead } = await node();
      const q = queue();
      const attempts: number[] = [];
      q.define('resume', async (ctx) => {
        attempts.push(ctx.attempt);
      });
      const { id } = await q.enqueue('resume', null);
      // A node that claims the job and then dies: claimed, never renewed, never finished.
      const claimed = await dead.store.claim('default', 1, 'crashed-node', Date.now(), 150);
      assert.equal(claimed.length, 1);
      await q.start();
      const job = await waitState(q, id, 'completed');
      assert.deepEqual(attempts, [2]);
      assert.equal(job.attempts, 2);
    });

    it('cancel aborts a running job; retry runs a dead one again; purgeDead deletes dead jobs', async ({ queue }) => {
      const q = queue();
      let aborted = false;
      q.define('forever', async (ctx) => {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        aborted = true;
      });
      let failNext = true;
      q.define('fixable', async () => {
        if (failNext) throw new Error('not yet');
        return 'fixed';
      });
      await q.start();
      const running = await q.enqueue('forever', null);
      await waitState(q, running.id, 'running');
      assert.equal((await q.cancel(running.id)).state, 'cancelled');
      await waitFor('the cancelled handler to see its signal', async () => aborted);
      assert.equal((await q.get(running.id))?.state, 'cancelled');
      await assert.rejects(q.cancel(running.id), (err: { status?: number }) => err.status === 409);

      const fixable = await q.enqueue('fixable', null, { maxAttempts: 1 });
      await waitState(q, fixable.id, 'dead');
      failNext = false;
      const retried = await q.retry(fixable.id);
      // the row as the retry wrote it, even when a worker claims it before the caller reads it
      assert.deepEqual([retried.state, retried.attempts], ['queued', 0]);
      const done = await waitState(q, fixable.id, 'completed');
      assert.equal(done.result, 'fixed');
      await assert.rejects(q.retry(fixable.id), (err: { status?: number }) => err.status === 409);
      await assert.rejects(q.retry('nope'), (err: { status?: number }) => err.status === 404);
      assert.equal(await q.get('nope'), null);

      const doomed = await q.enqueue('nobody', null);
      await waitState(q, doomed.id, 'dead');
      const dead = await q.list({ filter: `state = 'dead'` });
      assert.deepEqual(dead.items.map((j) => j.id), [doomed.id]);
      assert.equal((await q.list({ state: 'completed', kind: 'fixable' })).totalItems, 1);
      assert.equal((await q.list({ filter: `kind ~ 'forev'`, sort: '-created' })).items[0]?.id, running.id);
      assert.equal((await q.list({ sort: '-@rowid' })).items[0]?.id, doomed.id, 'the newest job first by insertion order');
      assert.deepEqual(await q.purgeDead(), { deleted: 1 });
      assert.equal(await q.get(doomed.id), null);
      await assert.rejects(q.list({ filter: 'state = ' }), (err: { status?: number }) => err.status === 400);
    });

    it('running workers delete completed and cancelled jobs older than keepFinishedMs, never others', async ({ queue }) => {
      const q = queue({ keepFinishedMs: 1 });
      q.define('quick', async () => 'ok');
      const done = await q.enqueue('quick', null);
      const waiting = await q.enqueue('quick', null, { delayMs: 60_000 });
      const dead = await q.enqueue('nobody', null);
      await q.start();
      await waitState(q, dead.id, 'dead');
      await waitFor('the completed job to be deleted', async () => (await q.get(done.id)) === null);
      assert.equal((await q.get(waiting.id))?.state, 'queued');
      assert.equal((await q.get(dead.id))?.state, 'dead', 'dead jobs wait for a person (retry or purgeDead)');
    });

    it('an idle worker only reads: no write statement while there is no work', async ({ db, queue }) => {
      // The real database, with the write statements that go through it counted.
      let writes: string[] = [];
      const counted = new Proxy(db, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            const sql = args[0];
            if (['run', 'all', 'get'].includes(String(prop)) && typeof sql === 'string' && /^\s*(UPDATE|INSERT|DELETE)/i.test(sql)) writes.push(sql);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      const q = queue({ pollIntervalMs: 20, leaseMs: 60, keepFinishedMs: 0 }, counted);
      q.define('idle', async () => {});
      const { id } = await q.enqueue('idle', null);
      await q.start();
      await waitState(q, id, 'completed');
      writes = [];
      // Long enough for many idle polls and heartbeats (every 20 ms); an absence is asserted, not a duration.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(writes, [], 'the idle worker wrote');
    });

    it('stopping a node hands its running jobs back without counting the attempt', async ({ queue }) => {
      const q = queue({ stopTimeoutMs: 50 });
      q.define('long', async (ctx) => {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      });
      await q.start();
      const { id } = await q.enqueue('long', null);
      await waitState(q, id, 'running');
      await q.stop();
      const job = await q.get(id);
      assert.equal(job?.state, 'queued');
      assert.equal(job?.attempts, 0);
      assert.equal(job?.leaseOwner, null);
    });

    it('a cron schedule fires on time and only once per tick with two nodes', async ({ db, queue, node }) => {
      const a = queue();
      const second = await node();
      const b = second.queue;
      const runs: Array<{ node: string; tick: string; at: number }> = [];
      const crons: CronScheduler[] = [];
      for (const [name, q, qdb] of [['a', a, db], ['b', b, second.db]] as const) {
        q.define<{ hello: string }>('cron.tick', async (ctx) => {
          const job = await q.get(ctx.id);
          runs.push({ node: name, tick: job?.dedupKey ?? '', at: Date.now() });
        });
        const cron = new CronScheduler({ db: qdb, jobs: q, logger: silent });
        cron.add('every-second', '* * * * * *', 'cron.tick', { hello: 'world' });
        crons.push(cron);
      }
      const tick = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
      try {
        // Both nodes race on the same tick directly: exactly one enqueues.
        const raced = await Promise.all(crons.map((c) => c.fire('every-second', tick)));
        assert.equal(raced.filter(Boolean).length, 1, 'one node fired the raced tick');

        await a.start();
        await b.start();
        for (const c of crons) c.start();
        await waitFor('three timer-fired ticks', async () => runs.filter((r) => !r.tick.endsWith(tick.toISOString())).length >= 3);
      } finally {
        for (const c of crons) c.stop();
      }
      const ticks = runs.map((r) => r.tick);
      assert.equal(new Set(ticks).size, ticks.length, `a tick ran twice: ${ticks.join(', ')}`);
      for (const r of runs) {
        assert.match(r.tick, /^cron:every-second:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
        const tickMs = Date.parse(r.tick.slice('cron:every-second:'.length));
        assert.ok(r.at >= tickMs, `tick ${r.tick} ran before its time`);
      }
      const jobs = await a.list({ filter: `kind = 'cron.tick'`, perPage: 100 });
      assert.deepEqual(jobs.items[0]?.payload, { hello: 'world' });
      assert.equal(new Set(jobs.items.map((j) => j.dedupKey)).size, jobs.totalItems, 'one job per tick');
    });
  });
}

