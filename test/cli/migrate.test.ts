import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestPostgres, requireService } from '../../src/testing/services.js';
import { runCli, startServe, type ServeProcess } from './cli-process.js';
import { superuserLogin } from './superuser-login.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'galley-cli-migrate-'));
}

const notes = (name: string) => `import type { Migration } from 'galley/migrations';
export default {
  async up(app) { await app.collections.create({ name: '${name}', type: 'base', fields: [{ name: 'text', type: 'text' }] }); },
  async down(app) { await app.collections.delete('${name}'); },
} satisfies Migration;
`;

async function migrateFlow(connection: string[], dir: string): Promise<void> {
  const migrations = join(dir, 'migrations');
  const flags = [...connection, '--migrations', migrations];

  const created = await runCli(['migrate', 'create', 'Add notes', '--migrations', migrations]);
  assert.equal(created.code, 0, created.stderr);
  const [template] = await readdir(migrations);
  assert.match(template ?? '', /^\d+_add_notes\.ts$/);
  assert.match(created.stdout, /created .*_add_notes\.ts/);
  // Give the template a body, and add a second file after it.
  await writeFile(join(migrations, template ?? ''), notes('notes'));
  const second = `${Number(template?.split('_')[0]) + 1}_more.ts`;
  await writeFile(join(migrations, second), notes('more'));

  let status = await runCli(['migrate', 'status', ...flags]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`pending\\s+${template}`));
  assert.match(status.stdout, /0 applied, 2 pending/);

  const up = await runCli(['migrate', 'up', ...flags]);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, new RegExp(`applied\\s+${template}\\napplied\\s+${second}\\n2 migration\\(s\\) applied`));
  assert.match((await runCli(['migrate', 'up', ...flags])).stdout, /nothing to apply/);

  status = await runCli(['migrate', 'status', ...flags]);
  assert.match(status.stdout, /2 applied, 0 pending/);

  const down = await runCli(['migrate', 'down', ...flags]);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, new RegExp(`reverted ${second}\\n1 migration\\(s\\) reverted`));
  status = await runCli(['migrate', 'status', ...flags]);
  assert.match(status.stdout, /1 applied, 1 pending/);

  const downAll = await runCli(['migrate', 'down', '5', ...flags]);
  assert.equal(downAll.code, 0, downAll.stderr);
  assert.match(downAll.stdout, new RegExp(`reverted ${template}\\n1 migration\\(s\\) reverted`));
  assert.match((await runCli(['migrate', 'down', ...flags])).stdout, /nothing to revert/);

  await writeFile(join(migrations, `${Number(template?.split('_')[0]) + 2}_bad.ts`), 'export default { up() { throw new Error("bad on purpose"); } };');
  const bad = await runCli(['migrate', 'up', ...flags]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^galley: migration \d+_bad\.ts failed and was rolled back: bad on purpose$/m);
  assert.match(bad.stdout, /applied\s+\d+_add_notes\.ts/, 'files before the bad one were applied');
}

test('migrate create/status/up/down on SQLite', async () => {
  const dir = await tempDir();
  try {
    await migrateFlow(['--dir', join(dir, 'data')], dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('migrate create/status/up/down on PostgreSQL', async (t) => {
  if (!(await requireService(t, 'postgres'))) return;
  const pg = await createTestPostgres('cli_migrate');
  const dir = await tempDir();
  try {
    await migrateFlow(['--db', pg.url, '--dir', join(dir, 'data')], dir);
  } finally {
    await pg.drop();
    await rm(dir, { recursive: true, force: true });
  }
});

async function superuserToken(url: string, email: string, password: string): Promise<string> {
  const { status, body } = await superuserLogin(url, email, password);
  assert.equal(status, 200);
  return String(body.token);
}

async function api(url: string, token: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { Authorization: token, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
  return res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>);
}

async function schemaOver(server: ServeProcess, token: string): Promise<unknown> {
  const list = await api(server.url, token, 'GET', '/api/collections?perPage=500&sort=name');
  const items = list.items as Array<Record<string, unknown>>;
  return items.map(({ created: _c, updated: _u, ...rest }) => rest);
}

test('serve --dev writes migrations for API schema changes; migrate up rebuilds the schema elsewhere', async () => {
  const dir = await tempDir();
  const migrations = join(dir, 'migrations');
  const creds = ['admin@example.com', 'a-long-password'] as const;
  try {
    assert.equal((await runCli(['superuser', 'upsert', ...creds, '--dir', join(dir, 'a')])).code, 0);
    const dev = await startServe(['--dev', '--dir', join(dir, 'a'), '--http', '127.0.0.1:0', '--migrations', migrations]);
    let expected: unknown;
    try {
      assert.match(dev.output().stdout, /development mode/);
      assert.match(dev.output().stdout, /automigrate on/);
      const token = await superuserToken(dev.url, ...creds);
      const posts = await api(dev.url, token, 'POST', '/api/collections', {
        name: 'posts',
        type: 'base',
        fields: [{ name: 'title', type: 'text', required: true }],
        listRule: '',
      });
      await api(dev.url, token, 'PATCH', `/api/collections/${String(posts.id)}`, {
        fields: [...(posts.fields as unknown[]), { name: 'published', type: 'bool' }],
      });
      await api(dev.url, token, 'POST', '/api/collections', { name: 'tmp', type: 'base' });
      await api(dev.url, token, 'DELETE', '/api/collections/tmp');
      expected = await schemaOver(dev, token);
    } finally {
      await dev.stop();
    }
    const files = (await readdir(migrations)).sort();
    assert.deepEqual(
      files.map((f) => f.replace(/^\d+_/, '')),
      ['created_posts.ts', 'updated_posts.ts', 'created_tmp.ts', 'deleted_tmp.ts'],
    );
    assert.match(dev.output().stdout, /automigrate: wrote .*created_posts\.ts/);
    assert.match(await readFile(join(migrations, files[0] ?? ''), 'utf8'), /import type \{ Migration \} from 'galley\/migrations'/);

    // The data dir that made them has them recorded as applied.
    assert.match((await runCli(['migrate', 'status', '--dir', join(dir, 'a'), '--migrations', migrations])).stdout, /4 applied, 0 pending/);

    // A new data dir: migrate up, then the API shows the same collections.
    const up = await runCli(['migrate', 'up', '--dir', join(dir, 'b'), '--migrations', migrations]);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /4 migration\(s\) applied/);
    assert.equal((await runCli(['superuser', 'upsert', ...creds, '--dir', join(dir, 'b')])).code, 0);
    const prod = await startServe(['--dir', join(dir, 'b'), '--http', '127.0.0.1:0', '--migrations', migrations]);
    try {
      assert.match(prod.output().stdout, /production mode/);
      assert.deepEqual(await schemaOver(prod, await superuserToken(prod.url, ...creds)), expected);
    } finally {
      await prod.stop();
    }
    assert.equal((await readdir(migrations)).length, 4, 'production mode writes no files');

    // `migrate collections` snapshots the same schema into one file that rebuilds it too.
    const snapshots = join(dir, 'snapshot');
    const snap = await runCli(['migrate', 'collections', '--dir', join(dir, 'a'), '--migrations', snapshots]);
    assert.equal(snap.code, 0, snap.stderr);
    assert.match(snap.stdout, /created .*_collections_snapshot\.ts \(2 collection\(s\)\)/);
    const fromSnapshot = await runCli(['migrate', 'up', '--dir', join(dir, 'c'), '--migrations', snapshots]);
    assert.equal(fromSnapshot.code, 0, fromSnapshot.stderr);
    assert.match(fromSnapshot.stdout, /1 migration\(s\) applied/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
