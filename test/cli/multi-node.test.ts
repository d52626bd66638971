import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestPostgres, redisUrl, requireService, uniqueTestName } from '../../src/testing/services.js';
import { runCli, startServe } from './cli-process.js';

test('two serve processes on one PostgreSQL and Redis: a collection created on one is used at once on the other', async (t) => {
  if (!(await requireService(t, 'postgres')) || !(await requireService(t, 'redis'))) return;
  const pg = await createTestPostgres('cli_nodes');
  const dir = await mkdtemp(join(tmpdir(), 'galley-cli-nodes-'));
  const shared = ['--db', pg.url, '--redis', redisUrl(), '--key-prefix', uniqueTestName('nodes'), '--http', '127.0.0.1:0'];
  try {
    assert.equal((await runCli(['superuser', 'upsert', 'ops@example.com', 'a-long-password', '--db', pg.url])).code, 0);
    const a = await startServe([...shared, '--dir', join(dir, 'a')]);
    const b = await startServe([...shared, '--dir', join(dir, 'b')]);
    try {
      const login = await fetch(`${a.url}/api/collections/_superusers/auth-with-password`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ identity: 'ops@example.com', password: 'a-long-password' }),
      });
      const { token } = (await login.json()) as { token: string };
      // Node b reads the schema into its cache before the change, so only invalidation can update it.
      assert.equal((await fetch(`${b.url}/api/collections/orders`, { headers: { Authorization: token } })).status, 404);
      const created = await fetch(`${a.url}/api/collections`, {
        method: 'POST',
        headers: { Authorization: token, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'orders', type: 'base', fields: [{ name: 'total', type: 'number' }] }),
      });
      assert.equal(created.status, 200, await created.clone().text());
      // Pub/sub is asynchronous: poll briefly (bounded), without asserting on time.
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = (await fetch(`${b.url}/api/collections/orders`, { headers: { Authorization: token } })).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(status, 200, 'node b sees the new collection without a restart');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  } finally {
    await pg.drop();
    await rm(dir, { recursive: true, force: true });
  }
});
