/**
 * The first-run setup link behind a load balancer. Regression for links that lived in the memory
 * of the node that printed them: the page's POST usually reached another node and got 403
 * `setup_link_invalid`. Tokens now live (hashed) in the shared database, so on PostgreSQL two App
 * instances on one schema play the two nodes; on SQLite (one node by design) both roles are the
 * same node, which still pins spending, expiry and refusal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SETUP_TOKEN_TTL_MS, issueSetupToken } from '../../src/auth/setup-tokens.js';
import { upsertSuperuser } from '../../src/auth/superusers.js';
import type { Dialect } from '../../src/db/database.js';
import { createTestPostgres, requireService } from '../../src/testing/services.js';
import { startDashboardNode } from './dashboard-fixture.js';
import type { DashboardNode } from './dashboard-fixture.js';

const PASSWORD = 'a long enough password';

interface Nodes {
  a: DashboardNode;
  b: DashboardNode;
}

async function setup(node: DashboardNode, token: unknown, email: string, password = PASSWORD): Promise<number> {
  const res = await fetch(`${node.url}/api/dashboard/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, email, password, passwordConfirm: password }),
  });
  if (res.status === 403) assert.equal(((await res.json()) as { message: string }).message, 'The setup link is invalid or was already used.');
  return res.status;
}

async function superusers(node: DashboardNode): Promise<string[]> {
  const rows = await node.app.db.all<{ email: string }>('SELECT "email" FROM "_superusers" ORDER BY "email"');
  return rows.map((r) => r.email);
}

async function storedTokens(node: DashboardNode): Promise<number> {
  const row = await node.app.db.get<{ n: unknown }>('SELECT COUNT(*) AS "n" FROM "_setupTokens"');
  return Number(row?.n ?? 0);
}

async function canLogIn(node: DashboardNode, email: string): Promise<boolean> {
  const res = await fetch(`${node.url}/api/collections/_superusers/auth-with-password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identity: email, password: PASSWORD }),
  });
  return res.status === 200;
}

const scenarios: { name: string; run(nodes: Nodes, dialect: Dialect): Promise<void> }[] = [
  {
    name: "node A's link works on node B, once, on either node",
    async run({ a, b }) {
      const token = await issueSetupToken(a.app.db);
      assert.equal(await setup(b, token, 'first@example.com'), 204);
      assert.equal(await setup(b, token, 'second@example.com'), 403);
      assert.equal(await setup(a, token, 'third@example.com'), 403);
      assert.deepEqual(await superusers(a), ['first@example.com']);
      assert.ok(await canLogIn(a, 'first@example.com'));
    },
  },
  {
    name: 'every node may print a link; any one works, then all are refused and deleted',
    async run({ a, b }) {
      const fromA = await issueSetupToken(a.app.db);
      const fromB = await issueSetupToken(b.app.db);
      assert.equal(await storedTokens(a), 2);
      assert.equal(await setup(a, fromB, 'first@example.com'), 204);
      assert.equal(await storedTokens(b), 0);
      assert.equal(await setup(b, fromA, 'second@example.com'), 403);
      assert.deepEqual(await superusers(b), ['first@example.com']);
    },
  },
  {
    name: 'one token posted to both nodes at once creates exactly one superuser',
    async run({ a, b }) {
      const token = await issueSetupToken(a.app.db);
      const statuses = await Promise.all([setup(a, token, 'a@example.com'), setup(b, token, 'b@example.com')]);
      assert.deepEqual(statuses.sort(), [204, 403]);
      assert.equal((await superusers(a)).length, 1);
    },
  },
  {
    // Each node's transaction sees no superuser yet; SERIALIZABLE makes one of them retry and lose.
    name: "two nodes' links spent at once create exactly one superuser",
    async run({ a, b }) {
      const fromA = await issueSetupToken(a.app.db);
      const fromB = await issueSetupToken(b.app.db);
      const statuses = await Promise.all([setup(a, fromA, 'a@example.com'), setup(b, fromB, 'b@example.com')]);
      assert.deepEqual(statuses.sort(), [204, 403]);
      assert.equal((await superusers(a)).length, 1);
    },
  },
  {
    name: 'an expired token is refused (and dropped when the next one is issued)',
    async run({ a, b }) {
      const expired = await issueSetupToken(a.app.db, Date.now() - SETUP_TOKEN_TTL_MS - 1);
      assert.equal(await setup(b, expired, 'late@example.com'), 403);
      assert.deepEqual(await superusers(a), []);
      await issueSetupToken(b.app.db);
      assert.equal(await storedTokens(a), 1, 'the expired token was deleted on issue');
      const almost = await issueSetupToken(b.app.db, Date.now() - SETUP_TOKEN_TTL_MS + 60_000);
      assert.equal(await setup(a, almost, 'first@example.com'), 204);
    },
  },
  {
    name: 'wrong tokens and input errors do not spend the link',
    async run({ a, b }) {
      const token = await issueSetupToken(a.app.db);
      for (const guess of ['x'.repeat(40), token.slice(1), `${token}x`, '', 42, null]) {
        assert.equal(await setup(b, guess, 'first@example.com'), 403, JSON.stringify(guess));
      }
      assert.equal(await setup(b, token, 'not an email'), 400);
      assert.equal(await setup(b, token, 'first@example.com', 'short'), 400);
      assert.equal(await storedTokens(a), 1);
      assert.equal(await setup(b, token, 'first@example.com'), 204);
    },
  },
  {
    name: 'a creation that fails in the database does not spend the link',
    async run({ a, b }, dialect) {
      // A database-side refusal of one email, so the INSERT fails inside the spending transaction.
      if (dialect === 'sqlite') {
        await a.app.db.exec(
          `CREATE TRIGGER "refuse_email" BEFORE INSERT ON "_superusers" WHEN NEW."email" = 'refused@example.com' BEGIN SELECT RAISE(ABORT, 'refused'); END`,
        );
      } else {
        await a.app.db.exec(`ALTER TABLE "_superusers" ADD CONSTRAINT "refuse_email" CHECK ("email" <> 'refused@example.com')`);
      }
      const token = await issueSetupToken(a.app.db);
      assert.equal(await setup(b, token, 'refused@example.com'), 500);
      assert.deepEqual(await superusers(a), []);
      assert.equal(await setup(b, token, 'first@example.com'), 204);
    },
  },
  {
    name: 'a link issued before the CLI created a superuser is refused',
    async run({ a, b }) {
      const token = await issueSetupToken(a.app.db);
      // What `galley superuser upsert` runs; it retires every setup link in its transaction.
      await upsertSuperuser(b.app, 'cli@example.com', PASSWORD);
      assert.equal(await storedTokens(a), 0);
      assert.equal(await setup(a, token, 'link@example.com'), 403);
      assert.deepEqual(await superusers(a), ['cli@example.com']);
    },
  },
];

for (const dialect of ['sqlite', 'postgres'] as const) {
  for (const scenario of scenarios) {
    test(`setup link across nodes: ${scenario.name} [${dialect}]`, async (t) => {
      if (dialect === 'postgres' && !(await requireService(t, 'postgres'))) return;
      const pg = dialect === 'postgres' ? await createTestPostgres('setup-nodes') : undefined;
      const a = await startDashboardNode(dialect, pg ? { databaseUrl: pg.url } : {});
      const b = pg ? await startDashboardNode(dialect, { databaseUrl: pg.url }) : a;
      try {
        await scenario.run({ a, b }, dialect);
      } finally {
        if (b !== a) await b.cleanup();
        await a.cleanup();
        await pg?.drop();
      }
    });
  }
}
