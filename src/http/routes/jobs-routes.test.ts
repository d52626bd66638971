/**
 * `/api/jobs` over real HTTP on both databases: superusers only, list with the shortcuts and the
 * rule-language filter, view, retry, cancel (queued and running) and purge of dead jobs.
 */
import assert from 'node:assert/strict';
import type { JobRow } from '../../jobs/job-types.js';
import { eachAppDialect } from '../../../test/http/test-app.js';
import { waitForJob } from '../../../test/mail/wait-for-job.js';

eachAppDialect('jobs API: auth, list, filter, view, retry, cancel, purge dead', async ({ app, call }) => {
  let failNext = true;
  app.jobs.define('test.flaky', async () => {
    if (failNext) throw new Error('boom');
    return { ok: true };
  }, { maxAttempts: 1 });
  app.jobs.define('test.block', ({ signal }) => new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  }), { queue: 'blockers' });

  // superusers only: no token 401, any API shape for everything under /api/jobs
  for (const [method, path] of [['GET', '/api/jobs'], ['GET', '/api/jobs/x'], ['POST', '/api/jobs/x/retry'], ['POST', '/api/jobs/x/cancel'], ['DELETE', '/api/jobs/dead'], ['POST', '/api/jobs/export'], ['GET', '/api/jobs/x/file']] as const) {
    const res = await call(method, path, { token: null });
    assert.equal(res.status, 401, `${method} ${path}`);
    assert.deepEqual(Object.keys(res.body).sort(), ['data', 'message', 'status']);
  }

  const flaky = await app.jobs.enqueue('test.flaky', { n: 1 });
  const later = await app.jobs.enqueue('test.flaky', { n: 2 }, { delayMs: 3_600_000, priority: 5 });
  const running = await app.jobs.enqueue('test.block', {});
  await waitForJob(app, flaky.id, (j) => j.state === 'dead');
  await waitForJob(app, running.id, (j) => j.state === 'running');

  const list = await call('GET', '/api/jobs?perPage=2');
  assert.equal(list.status, 200);
  assert.deepEqual([list.body.page, list.body.perPage, list.body.totalItems, list.body.totalPages, list.body.items.length], [1, 2, 3, 2, 2]);
  assert.equal((await call('GET', '/api/jobs?state=dead')).body.items[0].id, flaky.id);
  assert.equal((await call('GET', '/api/jobs?queue=blockers')).body.items[0].id, running.id);
  assert.equal((await call('GET', '/api/jobs?kind=test.flaky')).body.totalItems, 2);
  const filtered = await call('GET', `/api/jobs?filter=${encodeURIComponent("kind = 'test.flaky' && priority > 1")}&sort=-created`);
  assert.deepEqual(filtered.body.items.map((j: JobRow) => j.id), [later.id]);
  assert.equal((await call('GET', '/api/jobs?state=nope')).status, 400);
  assert.equal((await call('GET', `/api/jobs?filter=${encodeURIComponent('nosuchcolumn = 1')}`)).status, 400);
  assert.equal((await call('GET', '/api/jobs?sort=nosuchcolumn')).status, 400);

  const view = await call('GET', `/api/jobs/${flaky.id}`);
  assert.equal(view.status, 200);
  assert.equal(view.body.state, 'dead');
  assert.equal(view.body.lastError, 'boom');
  assert.deepEqual(view.body.payload, { n: 1 });
  assert.equal((await call('GET', '/api/jobs/nosuchjob')).status, 404);

  // retry a dead job: it runs again (and now succeeds)
  failNext = false;
  const retried = await call('POST', `/api/jobs/${flaky.id}/retry`);
  assert.equal(retried.status, 200);
  assert.equal(retried.body.attempts, 0);
  const completed = await waitForJob(app, flaky.id, (j) => j.state === 'completed');
  assert.deepEqual(completed.result, { ok: true });
  assert.equal((await call('POST', `/api/jobs/${flaky.id}/retry`)).status, 409, 'completed jobs are not retried');

  // cancel a delayed job and a running one; a finished job cannot be cancelled
  assert.equal((await call('POST', `/api/jobs/${later.id}/cancel`)).body.state, 'cancelled');
  assert.equal((await call('POST', `/api/jobs/${running.id}/cancel`)).status, 200);
  await waitForJob(app, running.id, (j) => j.state === 'cancelled');
  assert.equal((await call('POST', `/api/jobs/${flaky.id}/cancel`)).status, 409);
  assert.equal((await call('POST', '/api/jobs/nosuchjob/cancel')).status, 404);

  // purge: only dead jobs go
  failNext = true;
  const dead = await app.jobs.enqueue('test.flaky', { n: 3 });
  await waitForJob(app, dead.id, (j) => j.state === 'dead');
  const purged = await call('DELETE', '/api/jobs/dead');
  assert.equal(purged.status, 200);
  assert.deepEqual(purged.body, { deleted: 1 });
  assert.equal((await call('GET', `/api/jobs/${dead.id}`)).status, 404);
  assert.equal((await call('GET', '/api/jobs')).body.totalItems, 3);
}, { config: { jobsLeaseMs: 600 } }); // a short lease: a cancelled running job is aborted at the next heartbeat
