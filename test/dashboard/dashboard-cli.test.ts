/**
 * `galley serve` on a fresh data dir prints the dashboard URL and a one-time setup link that
 * creates the first superuser once; with a superuser present it prints no link.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServe } from '../cli/cli-process.js';

test('galley serve prints a one-time setup link that creates the first superuser', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'galley-dashboard-cli-'));
  try {
    const server = await startServe(['--dir', join(dir, 'data'), '--http', '127.0.0.1:0'], { cwd: dir });
    try {
      const { stdout } = server.output();
      assert.ok(stdout.includes(`Dashboard:  ${server.url}/_/`), stdout);
      const link = /open (\S+\/_\/#\/setup\/(\w+)) \(one-time link\)/.exec(stdout);
      assert.ok(link, stdout);
      assert.ok(link[1]!.startsWith(`${server.url}/_/#/setup/`));
      const setup = (email: string): Promise<Response> =>
        fetch(`${server.url}/api/dashboard/setup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: link[2], email, password: 'first run password', passwordConfirm: 'first run password' }),
        });
      assert.equal((await setup('first@example.com')).status, 204);
      assert.equal((await setup('second@example.com')).status, 403);
      const login = await fetch(`${server.url}/api/collections/_superusers/auth-with-password`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ identity: 'first@example.com', password: 'first run password' }),
      });
      assert.equal(login.status, 200);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const again = await startServe(['--dir', join(dir, 'data'), '--http', '127.0.0.1:0'], { cwd: dir });
    try {
      assert.doesNotMatch(again.output().stdout, /setup/);
    } finally {
      await again.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
