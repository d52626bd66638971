import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestPostgres, requireService } from '../../src/testing/services.js';
import { isBuilt, runCli, startServe } from './cli-process.js';
import { superuserLogin } from './superuser-login.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'galley-cli-'));
}

async function health(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/api/health`);
  return { status: res.status, body: await res.json() };
}

test('serve on an empty SQLite dir answers /api/health, says how to log in, and stops cleanly on SIGTERM', async () => {
  const dir = await tempDir();
  try {
    const server = await startServe(['--dir', join(dir, 'data'), '--http', '127.0.0.1:0'], { cwd: dir });
    try {
      // Printed, not asserted: timing belongs to bench/, but the number is worth seeing in CI logs.
      console.log(`# time to ready on an empty SQLite dir (spawn to banner, via tsx): ${Math.round(server.readyMs)} ms`);
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const h = await health(server.url);
      assert.equal(h.status, 200);
      const { stdout } = server.output();
      assert.match(stdout, /REST API:\s+http:\/\/127\.0\.0\.1:\d+\/api\//);
      assert.match(stdout, /Health:\s+http:\/\/127\.0\.0\.1:\d+\/api\/health/);
      assert.match(stdout, /No superuser yet/);
      assert.ok(stdout.includes(`npx galley superuser upsert you@example.com 'a-long-password' --dir ${join(dir, 'data')}`));
      assert.match(stdout, /auth-with-password/);
    } finally {
      assert.equal(await server.stop(), 0, 'SIGTERM exits 0');
    }
    assert.ok((await readdir(join(dir, 'data'))).includes('data.db'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the built CLI (bin/galley.js) serves too; its time to ready is printed', async (t) => {
  if (!isBuilt()) {
    t.skip('dist/ is not built (npm run build)');
    return;
  }
  const dir = await tempDir();
  try {
    const server = await startServe(['--dir', join(dir, 'data'), '--http', '127.0.0.1:0'], { cwd: dir, built: true });
    try {
      console.log(`# time to ready on an empty SQLite dir (spawn to banner, built bin/galley.js): ${Math.round(server.readyMs)} ms`);
      assert.equal((await health(server.url)).status, 200);
    } finally {
      assert.equal(await server.stop('SIGINT'), 0, 'Ctrl+C exits 0');
    }
    assert.match(server.output().stdout, /SIGINT received, shutting down/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('superuser upsert, then log in over HTTP; delete removes it', async () => {
  const dir = await tempDir();
  const data = join(dir, 'data');
  try {
    const short = await runCli(['superuser', 'upsert', 'admin@example.com', 'short', '--dir', data]);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /^galley: the password must be at least 8 characters/);
    assert.doesNotMatch(short.stderr, /\n\s+at /);

    const created = await runCli(['superuser', 'upsert', 'admin@example.com', 'correct horse', '--dir', data]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /superuser admin@example.com created/);

    const server = await startServe(['--dir', data, '--http', '127.0.0.1:0']);
    try {
      assert.doesNotMatch(server.output().stdout, /No superuser yet/);
      const ok = await superuserLogin(server.url, 'admin@example.com', 'correct horse');
      assert.equal(ok.status, 200);
      assert.equal(typeof ok.body.token, 'string');
      assert.equal((await superuserLogin(server.url, 'admin@example.com', 'wrong password')).status, 400);

      // Upsert again while the server runs: the new password works at once.
      const updated = await runCli(['superuser', 'upsert', 'admin@example.com', 'battery staple', '--dir', data]);
      assert.equal(updated.code, 0, updated.stderr);
      assert.match(updated.stdout, /updated/);
      assert.equal((await superuserLogin(server.url, 'admin@example.com', 'battery staple')).status, 200);

      const deleted = await runCli(['superuser', 'delete', 'admin@example.com', '--dir', data]);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.equal((await superuserLogin(server.url, 'admin@example.com', 'battery staple')).status, 400);
      const again = await runCli(['superuser', 'delete', 'admin@example.com', '--dir', data]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /no superuser with the email admin@example.com/);
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a port in use fails with one clear line', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const address = blocker.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const dir = await tempDir();
  try {
    const res = await runCli(['serve', '--dir', join(dir, 'data'), '--http', `127.0.0.1:${port}`]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, new RegExp(`^galley: cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use`, 'm'));
    assert.doesNotMatch(res.stderr, /\n\s+at /);
  } finally {
    blocker.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unreachable database fails with one clear line', async () => {
  const dir = await tempDir();
  try {
    const res = await runCli(['serve', '--dir', join(dir, 'data'), '--db', 'postgres://someone:secret@127.0.0.1:1/x']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^galley: .*PostgreSQL.*127\.0\.0\.1:1/);
    assert.doesNotMatch(res.stderr, /secret/, 'the password is not printed');
    assert.doesNotMatch(res.stderr, /\n\s+at /);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unreachable Redis fails with one clear line', async () => {
  const dir = await tempDir();
  try {
    const res = await runCli(['serve', '--dir', join(dir, 'data'), '--redis', 'redis://127.0.0.1:1', '--http', '127.0.0.1:0']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^galley: cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
    assert.doesNotMatch(res.stderr, /\n\s+at /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('serve --db postgres://... on an empty schema answers /api/health', async (t) => {
  if (!(await requireService(t, 'postgres'))) return;
  const pg = await createTestPostgres('cli_serve');
  const dir = await tempDir();
  try {
    const server = await startServe(['--dir', join(dir, 'data'), '--db', pg.url, '--http', '127.0.0.1:0']);
    try {
      console.log(`# time to ready on an empty PostgreSQL schema (spawn to banner, via tsx): ${Math.round(server.readyMs)} ms`);
      assert.equal((await health(server.url)).status, 200);
      assert.match(server.output().stdout, /on PostgreSQL/);
      assert.match(server.output().stdout, /superuser upsert you@example\.com 'a-long-password' --db /);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const up = await runCli(['superuser', 'upsert', 'pg@example.com', 'long enough', '--db', pg.url]);
    assert.equal(up.code, 0, up.stderr);
    const again = await startServe(['--dir', join(dir, 'data'), '--db', pg.url, '--http', '127.0.0.1:0']);
    try {
      assert.equal((await superuserLogin(again.url, 'pg@example.com', 'long enough')).status, 200);
    } finally {
      await again.stop();
    }
  } finally {
    await pg.drop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a failing migration stops serve with a message naming the file; --app runs its default export', async () => {
  const dir = await tempDir();
  try {
    const migrations = join(dir, 'migrations');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(migrations);
    await writeFile(join(migrations, '1700000000_broken.ts'), `export default { up() { throw new Error('nope, on purpose'); } };`);
    const res = await runCli(['serve', '--dir', join(dir, 'data'), '--http', '127.0.0.1:0', '--migrations', migrations]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^galley: migration 1700000000_broken\.ts failed and was rolled back: nope, on purpose$/m);
    assert.doesNotMatch(res.stderr, /\n\s+at /);

    await rm(join(migrations, '1700000000_broken.ts'));
    await writeFile(
      join(dir, 'app.ts'),
      `import type { App } from '../not/resolved/at/runtime.js';\n` +
        `export default function init(app: App): void { console.log('app file saw ' + app.collections.all().length + ' collections'); }\n`,
    );
    const server = await startServe(['--dir', join(dir, 'data'), '--http', '127.0.0.1:0', '--migrations', migrations, '--app', join(dir, 'app.ts')]);
    try {
      assert.match(server.output().stdout, /app file saw \d+ collections/);
    } finally {
      await server.stop();
    }
    const missing = await runCli(['serve', '--dir', join(dir, 'data'), '--http', '127.0.0.1:0', '--app', join(dir, 'nope.ts')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--app .*nope\.ts: no such file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
