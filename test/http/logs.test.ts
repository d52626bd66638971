import assert from 'node:assert/strict';
import { LogRetention } from '../../src/logs/log-retention.js';
import { logDate, newLogId } from '../../src/logs/log-store.js';
import { eachAppDialect } from './test-app.js';

eachAppDialect('request logs are written in batches, listed, filtered, viewed and counted', async ({ call, app }) => {
  await call('GET', '/api/health', { token: null, headers: { 'user-agent': 'galley-test', referer: 'http://x/' } });
  await call('GET', '/api/missing-route', { token: null });
  await call('POST', '/api/collections', { raw: '{bad' });
  await app.logWriter.flush();

  assert.equal((await call('GET', '/api/logs', { token: null })).status, 401);
  const list = await call('GET', '/api/logs?perPage=50');
  assert.equal(list.status, 200);
  const health = list.body.items.find((l: { message: string }) => l.message === 'GET /api/health');
  assert.ok(health, JSON.stringify(list.body.items.map((l: { message: string }) => l.message)));
  assert.match(health.id, /^[a-z0-9]{15}$/);
  assert.match(health.created, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.equal(health.level, 0);
  assert.equal(health.data.type, 'request');
  assert.equal(health.data.method, 'GET');
  assert.equal(health.data.url, '/api/health');
  assert.equal(health.data.status, 200);
  assert.equal(health.data.auth, 'guest');
  assert.equal(health.data.userIP, '127.0.0.1');
  assert.equal(health.data.remoteIP, '127.0.0.1');
  assert.equal(health.data.userAgent, 'galley-test');
  assert.equal(health.data.referer, 'http://x/');
  assert.equal(typeof health.data.execTime, 'number');
  assert.equal(health.data.authId, undefined, 'logAuthId is off by default');

  const missing = list.body.items.find((l: { message: string }) => l.message === 'GET /api/missing-route');
  assert.equal(missing.level, 4);
  assert.equal(missing.data.status, 404);

  const newestFirst = list.body.items.map((l: { created: string }) => l.created);
  assert.deepEqual(newestFirst, [...newestFirst].sort().reverse());

  const errors = await call('GET', `/api/logs?filter=${encodeURIComponent('data.status >= 400 && data.method = "POST"')}`);
  assert.equal(errors.status, 200);
  assert.ok(errors.body.items.length >= 1);
  for (const l of errors.body.items) {
    assert.ok(l.data.status >= 400);
    assert.equal(l.data.method, 'POST');
  }
  const like = await call('GET', `/api/logs?filter=${encodeURIComponent("message ~ 'HEALTH' && level = 0")}&sort=created`);
  assert.ok(like.body.items.length >= 1);
  assert.ok(like.body.items.every((l: { message: string }) => l.message.includes('/api/health')));

  assert.equal((await call('GET', `/api/logs?filter=${encodeURIComponent("password = 'x'")}`)).status, 400);
  assert.equal((await call('GET', `/api/logs?filter=${encodeURIComponent("1; DROP TABLE _logs")}`)).status, 400);
  assert.equal((await call('GET', '/api/logs?sort=nope')).status, 400);

  const one = await call('GET', `/api/logs/${health.id}`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, health);
  assert.equal((await call('GET', '/api/logs/nosuchlogid1234')).status, 404);

  const stats = await call('GET', '/api/logs/stats');
  assert.equal(stats.status, 200);
  assert.ok(Array.isArray(stats.body) && stats.body.length >= 1);
  assert.match(stats.body[0].date, /^\d{4}-\d{2}-\d{2} \d{2}:00:00\.000Z$/);
  assert.ok(stats.body[0].total >= 3);
  const filteredStats = await call('GET', `/api/logs/stats?filter=${encodeURIComponent('data.status = 404')}`);
  assert.ok(filteredStats.body.reduce((n: number, s: { total: number }) => n + s.total, 0) >= 1);
});

eachAppDialect('logs settings: logIP off, logAuthId on, minLevel drops lower levels, maxDays 0 disables', async ({ call, app }) => {
  await call('PATCH', '/api/settings', { body: { logs: { logIP: false, logAuthId: true, minLevel: 4 } } });
  await call('GET', '/api/health');
  await call('GET', '/api/nope-404');
  await app.logWriter.flush();
  const list = await call('GET', '/api/logs?perPage=100');
  assert.ok(!list.body.items.some((l: { message: string }) => l.message === 'GET /api/health'), 'level 0 dropped');
  const notFound = list.body.items.find((l: { message: string }) => l.message === 'GET /api/nope-404');
  assert.ok(notFound);
  assert.equal(notFound.data.userIP, '');
  assert.equal(notFound.data.remoteIP, '');
  assert.equal(notFound.data.auth, '_superusers');
  assert.equal(typeof notFound.data.authId, 'string');

  await call('PATCH', '/api/settings', { body: { logs: { maxDays: 0, minLevel: 0 } } });
  await app.logWriter.flush();
  const before = (await call('GET', '/api/logs?perPage=1')).body.totalItems;
  await call('GET', '/api/nope-again');
  await app.logWriter.flush();
  assert.equal((await call('GET', '/api/logs?perPage=1')).body.totalItems, before);
});

eachAppDialect('retention deletes logs older than maxDays', async ({ app }) => {
  const old = new Date(Date.now() - 10 * 24 * 3600 * 1000);
  const recent = new Date(Date.now() - 1 * 24 * 3600 * 1000);
  const entry = (d: Date) => ({ id: newLogId(), created: logDate(d), updated: logDate(d), level: 0, message: 'x', data: {} });
  await app.logs.insertMany([entry(old), entry(old), entry(recent)]);
  const retention = new LogRetention(app.logs, { maxDays: () => 5 });
  assert.equal(await retention.runOnce(), 2);
  assert.equal((await app.logs.list({ limit: 10, offset: 0 })).total, 1);
  await retention.stop();
});

eachAppDialect(
  'the real client IP comes from trusted proxy headers only when configured',
  async ({ call }) => {
    const spoof = { 'x-forwarded-for': '203.0.113.7, 198.51.100.2', 'x-real-ip': '192.0.2.1' };
    const untrusted = await call('GET', '/api/health', { headers: spoof });
    assert.equal(untrusted.body.data.realIP, '127.0.0.1', 'headers ignored until trusted');
    assert.equal(untrusted.body.data.possibleProxyHeader, 'x-real-ip');

    await call('PATCH', '/api/settings', { body: { trustedProxy: { headers: ['X-Forwarded-For'] } } });
    assert.equal((await call('GET', '/api/health', { headers: spoof })).body.data.realIP, '198.51.100.2', 'rightmost by default');
    await call('PATCH', '/api/settings', { body: { trustedProxy: { useLeftmostIP: true } } });
    assert.equal((await call('GET', '/api/health', { headers: spoof })).body.data.realIP, '203.0.113.7');
    const garbage = await call('GET', '/api/health', { headers: { 'x-forwarded-for': 'not-an-ip' } });
    assert.equal(garbage.body.data.realIP, '127.0.0.1', 'no valid IP in the header: socket address');
  },
);

eachAppDialect('the stored data JSON has PocketBase keys in order, any characters escaped', async ({ call, app }) => {
  await call('PATCH', '/api/settings', { body: { logs: { logAuthId: true } } });
  const agent = 'agent "quoted" \\ back\tslash \u00e9';
  const created = await call('POST', '/api/collections', { body: { name: '' }, headers: { 'user-agent': agent, referer: 'http://x/?a="b"' } });
  assert.equal(created.status, 400);
  await call('GET', '/api/health?q=%22%5C%F0%9F%98%80', { token: null, headers: { 'user-agent': agent } });
  await app.logWriter.flush();
  const list = (await call('GET', '/api/logs?perPage=50')).body.items as { id: string; message: string; data: Record<string, unknown> }[];
  const failed = list.find((l) => l.message === 'POST /api/collections');
  assert.ok(failed);
  assert.equal(failed.data.userAgent, agent);
  assert.equal(failed.data.referer, 'http://x/?a="b"');
  assert.equal(failed.data.status, 400);
  assert.equal(typeof failed.data.authId, 'string');
  assert.equal(typeof failed.data.error, 'string');
  assert.equal(typeof failed.data.details, 'object');
  const health = list.find((l) => l.message === 'GET /api/health?q=%22%5C%F0%9F%98%80');
  assert.ok(health);
  assert.equal(health.data.url, '/api/health?q=%22%5C%F0%9F%98%80');
  assert.equal(health.data.auth, 'guest');
  assert.equal(health.data.authId, undefined);
  if (app.logsDb.dialect === 'sqlite') {
    // jsonb (PostgreSQL) reorders keys; SQLite keeps the text as written, which must be JSON.stringify's.
    for (const l of [failed, health]) {
      const row = await app.logsDb.get<{ data: string }>('SELECT "data" FROM "_logs" WHERE "id" = ?', [l.id]);
      assert.equal(row?.data, JSON.stringify(l.data));
      assert.deepEqual(Object.keys(JSON.parse(row.data)), Object.keys(l.data));
    }
    assert.deepEqual(Object.keys(failed.data), ['type', 'execTime', 'method', 'url', 'status', 'auth', 'userIP', 'remoteIP', 'referer', 'userAgent', 'authId', 'error', 'details']);
  }
});

eachAppDialect('auxiliary.db keeps a small page cache; the data database keeps 16 MB', async ({ app }) => {
  if (app.logsDb.dialect !== 'sqlite') return;
  assert.deepEqual(await app.logsDb.get('PRAGMA cache_size'), { cache_size: -512 });
  assert.deepEqual(await app.db.get('PRAGMA cache_size'), { cache_size: -16000 });
});

eachAppDialect('consecutive logs with alternating agents, methods and auth each keep their own values', async ({ call, app }) => {
  // The row builder reuses the JSON text of a value equal to the previous log's: every switch must show.
  const agents = ['a "one"', 'a "one"', 'b \\ two', 'a "one"', '', 'b \\ two'];
  for (const [i, agent] of agents.entries()) {
    const method = i % 2 === 0 ? 'GET' : 'HEAD';
    await call(method, `/api/health?alt=${i}`, { token: i === 3 ? undefined : null, headers: agent ? { 'user-agent': agent, referer: `r${i % 2}` } : {} });
  }
  await app.logWriter.flush();
  const items = (await call('GET', '/api/logs?perPage=100')).body.items as { message: string; data: Record<string, unknown> }[];
  for (const [i, agent] of agents.entries()) {
    const log = items.find((l) => l.message.endsWith(`/api/health?alt=${i}`));
    assert.ok(log, `log ${i}`);
    assert.equal(log.data.userAgent, agent || (log.data.userAgent as string), `agent of ${i}`);
    if (agent) assert.equal(log.data.referer, `r${i % 2}`);
    assert.equal(log.data.method, i % 2 === 0 ? 'GET' : 'HEAD');
    assert.equal(log.data.auth, i === 3 ? '_superusers' : 'guest');
  }
});

eachAppDialect('request logs record the trusted-proxy client IP as userIP and the socket as remoteIP', async ({ call, app }) => {
  const spoof = { 'x-forwarded-for': '203.0.113.7, 198.51.100.2' };
  await call('GET', '/api/health?before', { headers: spoof });
  await call('PATCH', '/api/settings', { body: { trustedProxy: { headers: ['X-Forwarded-For'] } } });
  await call('GET', '/api/health?after', { headers: spoof });
  await app.logWriter.flush();
  const items = (await call('GET', '/api/logs?perPage=50')).body.items as { message: string; data: Record<string, unknown> }[];
  const before = items.find((l) => l.message === 'GET /api/health?before');
  const after = items.find((l) => l.message === 'GET /api/health?after');
  assert.deepEqual([before?.data.userIP, before?.data.remoteIP], ['127.0.0.1', '127.0.0.1']);
  assert.deepEqual([after?.data.userIP, after?.data.remoteIP], ['198.51.100.2', '127.0.0.1']);
});
