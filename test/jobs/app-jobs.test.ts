/**
 * The queue inside a real App and server: the worker starts when the server listens (never in CLI
 * commands that only open the app), `jobs: false` keeps it off while enqueueing still works, a
 * job enqueued in a transaction of the app's database runs after the commit, and cron schedules
 * registered on `app.cron` fire.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { resolveConfig } from '../../src/app/config.js';
import { configInputFromFlags } from '../../src/cli/config-options.js';
import { serveCommand } from '../../src/cli/serve-command.js';
import type { JobQueue } from '../../src/jobs/job-queue.js';
import type { JobRow, JobState } from '../../src/jobs/job-types.js';
import { eachAppDialect } from '../http/test-app.js';

async function waitState(jobs: JobQueue, id: string, state: JobState): Promise<JobRow> {
  const started = Date.now();
  for (;;) {
    const job = await jobs.get(id);
    if (job?.state === state) return job;
    // A guard against a hang, not a timing assertion.
    if (Date.now() - started > 15_000) assert.fail(`job ${id} is ${job?.state}, still not ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

eachAppDialect('the job worker runs once the server listens; transactional enqueue and cron through the app', async ({ app }) => {
  assert.equal(app.jobs.started, true);
  const seen: string[] = [];
  app.jobs.define<{ title: string }>('app.test', async (ctx) => {
    seen.push(ctx.payload.title);
    return { ok: true };
  });
  const { id } = await app.db.transaction(async () => {
    const job = await app.jobs.enqueue('app.test', { title: 'hello' });
    // Not visible outside the transaction before it commits.
    return job;
  });
  const done = await waitState(app.jobs, id, 'completed');
  assert.deepEqual(done.result, { ok: true });
  assert.deepEqual(seen, ['hello']);

  app.cron.add('app-every-second', '* * * * * *', 'app.test', { title: 'cron' });
  assert.ok(app.cron.list().some((s) => s.name === 'app-every-second' && s.next !== null));
  const started = Date.now();
  for (;;) {
    const list = await app.jobs.list({ filter: `dedupKey ~ 'cron:app-every-second:' && state = 'completed'` });
    if (list.items.length > 0) break;
    if (Date.now() - started > 15_000) assert.fail('the cron schedule never fired');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(seen.includes('cron'));
  app.cron.remove('app-every-second');
});

eachAppDialect('cron schedules from settings (jobs.cron) are validated, fire, and go away when removed', async ({ app, call }) => {
  app.jobs.define<{ title: string }>('settings.test', async () => 'ok');
  const bad = await call('PATCH', '/api/settings', { body: { jobs: { cron: [{ name: 'x', expression: 'every minute', kind: 'settings.test' }] } } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.data.jobs.cron[0].expression.code, 'validation_invalid_value');
  const dup = await call('PATCH', '/api/settings', { body: { jobs: { cron: [
    { name: 'x', expression: '* * * * *', kind: 'settings.test' },
    { name: 'x', expression: '* * * * *', kind: 'settings.test' },
  ] } } });
  assert.equal(dup.status, 400);

  const ok = await call('PATCH', '/api/settings', { body: { jobs: { cron: [{ name: 'from-settings', expression: '* * * * * *', kind: 'settings.test', payload: { title: 's' } }] } } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.jobs.cron[0].name, 'from-settings');
  const started = Date.now();
  for (;;) {
    const list = await app.jobs.list({ filter: `dedupKey ~ 'cron:settings:from-settings:' && state = 'completed'` });
    // items and totalItems are two statements: the job may complete between them, so look at items.
    if (list.items.length > 0) {
      assert.deepEqual(list.items[0]?.payload, { title: 's' });
      break;
    }
    if (Date.now() - started > 15_000) assert.fail('the settings schedule never fired');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal((await call('PATCH', '/api/settings', { body: { jobs: { cron: [] } } })).status, 200);
  const gone = Date.now();
  while (app.cron.list().some((s) => s.name === 'settings:from-settings')) {
    if (Date.now() - gone > 15_000) assert.fail('the removed settings schedule is still registered');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

eachAppDialect('jobs: false keeps the worker and cron off; enqueue still works', async ({ app }) => {
  assert.equal(app.config.jobs, false);
  assert.equal(app.jobs.started, false);
  const { id } = await app.jobs.enqueue('nobody.runs.this', { x: 1 });
  assert.equal((await app.jobs.get(id))?.state, 'queued');
}, { config: { jobs: false } });

test('GALLEY_JOBS=false and serve --no-jobs turn the worker off', () => {
  assert.equal(resolveConfig({}, { GALLEY_JOBS: 'false' }).jobs, false);
  assert.equal(resolveConfig({}, {}).jobs, true);
  assert.equal(resolveConfig({}, { GALLEY_JOBS_LEASE_MS: '1500' }).jobsLeaseMs, 1500);
  const off = serveCommand(new Command('galley'));
  off.parseOptions(['--no-jobs']);
  assert.deepEqual(configInputFromFlags(off), { jobs: false });
  const on = serveCommand(new Command('galley'));
  on.parseOptions([]);
  assert.equal(configInputFromFlags(on).jobs, undefined, 'without the flag the environment or the default decides');
});
