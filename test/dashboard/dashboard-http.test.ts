/**
 * The dashboard's server side without a browser, on SQLite and PostgreSQL: how the built SPA is
 * served under /_/ (caching, fallback, CSP, gzip, 304), the one-time first-run setup link, and the
 * migration preview endpoint.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { DASHBOARD_CSP, DASHBOARD_DIR } from '../../src/http/routes/dashboard.js';
import { issueSetupToken } from '../../src/auth/setup-tokens.js';
import { setupUrl } from '../../src/http/routes/dashboard-setup.js';
import { requireService } from '../../src/testing/services.js';
import { ensureDashboardBuilt, startDashboardNode } from './dashboard-fixture.js';

const PASSWORD = 'a long enough password';

for (const dialect of ['sqlite', 'postgres'] as const) {
  test(`dashboard server side [${dialect}]`, async (t) => {
    if (dialect === 'postgres' && !(await requireService(t, 'postgres'))) return;
    ensureDashboardBuilt();
    const node = await startDashboardNode(dialect);
    const { url, app } = node;
    const post = (path: string, body: unknown, token?: string): Promise<Response> =>
      fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) }, body: JSON.stringify(body) });
    try {
      // --- static files --------------------------------------------------------------------------
      for (const path of ['/_', '/_/', '/_/index.html', '/_/collections/posts']) {
        const res = await fetch(url + path);
        assert.equal(res.status, 200, path);
        assert.match(res.headers.get('content-type') ?? '', /^text\/html/, path);
        assert.equal(res.headers.get('cache-control'), 'no-cache', path);
        assert.equal(res.headers.get('content-security-policy'), DASHBOARD_CSP, path);
        assert.match(await res.text(), /<div id="app"><\/div>/, path);
      }
      const index = await fetch(`${url}/_/`);
      const etag = index.headers.get('etag');
      assert.ok(etag);
      assert.equal((await fetch(`${url}/_/`, { headers: { 'if-none-match': etag } })).status, 304);

      const js = readdirSync(`${DASHBOARD_DIR}assets`).find((f) => f.endsWith('.js'));
      assert.ok(js, 'a built script');
      // fetch() asks for gzip and decodes it: the header says what travelled.
      const asset = await fetch(`${url}/_/assets/${js}`);
      assert.equal(asset.status, 200);
      assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(asset.headers.get('content-encoding'), 'gzip');
      assert.match(asset.headers.get('content-type') ?? '', /^text\/javascript/);
      assert.ok((await asset.text()).length > 1000);

      // A missing asset or file is a JSON 404, never the HTML page; traversal finds nothing.
      for (const path of ['/_/assets/index-gone.js', '/_/missing.png', '/_/..%2fpackage.json', '/_/assets/..%2f..%2fpackage.json']) {
        const res = await fetch(url + path);
        assert.equal(res.status, 404, path);
        assert.deepEqual(await res.json(), { status: 404, message: "The requested resource wasn't found.", data: {} }, path);
      }
      // API responses keep their own, stricter CSP.
      assert.equal((await fetch(`${url}/api/health`)).headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'self'");

      // --- first-run setup ---------------------------------------------------------------------
      assert.equal((await post('/api/dashboard/setup', { token: 'guess', email: 'a@example.com', password: PASSWORD, passwordConfirm: PASSWORD })).status, 403);
      const token = await issueSetupToken(app.db);
      assert.equal(setupUrl(`${url}/`, token), `${url}/_/#/setup/${token}`);
      // Input errors come first and do not spend the link.
      const bad = await post('/api/dashboard/setup', { token, email: 'not an email', password: 'short', passwordConfirm: 'other' });
      assert.equal(bad.status, 400);
      const badBody = (await bad.json()) as { data: Record<string, { code: string }> };
      assert.deepEqual(
        Object.fromEntries(Object.entries(badBody.data).map(([k, v]) => [k, v.code])),
        { email: 'validation_is_email', password: 'validation_min_text_constraint', passwordConfirm: 'validation_values_mismatch' },
      );
      for (const body of [[], 'text', null, { token: 42 }]) assert.ok([400, 403].includes((await post('/api/dashboard/setup', body)).status));
      const ok = await post('/api/dashboard/setup', { token, email: 'first@example.com', password: PASSWORD, passwordConfirm: PASSWORD });
      assert.equal(ok.status, 204);
      const again = await post('/api/dashboard/setup', { token, email: 'second@example.com', password: PASSWORD, passwordConfirm: PASSWORD });
      assert.equal(again.status, 403);
      assert.equal(((await again.json()) as { message: string }).message, 'The setup link is invalid or was already used.');
      // A fresh link is refused too once a superuser exists.
      const late = await issueSetupToken(app.db);
      assert.equal((await post('/api/dashboard/setup', { token: late, email: 'third@example.com', password: PASSWORD, passwordConfirm: PASSWORD })).status, 403);
      const count = await app.db.get<{ n: unknown }>('SELECT COUNT(*) AS "n" FROM "_superusers"');
      assert.equal(Number(count?.n), 1);

      // --- migration preview -------------------------------------------------------------------
      const login = await post('/api/collections/_superusers/auth-with-password', { identity: 'first@example.com', password: PASSWORD });
      const auth = ((await login.json()) as { token: string }).token;
      const draft = { name: 'notes', type: 'base', fields: [{ name: 'text', type: 'text', required: true }], listRule: '' };
      assert.equal((await post('/api/collections/meta/migration-preview', draft)).status, 401);
      const created = await post('/api/collections/meta/migration-preview', draft, auth);
      assert.equal(created.status, 200);
      const preview = (await created.json()) as { action: string; file: string; source: string };
      assert.equal(preview.action, 'create');
      assert.match(preview.file, /^\d+_created_notes\.ts$/);
      assert.match(preview.source, /created collection "notes"/);
      assert.match(preview.source, /await app\.collections\.create\(snapshot\);/);
      assert.equal(app.collections.find('notes'), undefined, 'nothing was written');

      const users = app.collections.find('users');
      assert.ok(users);
      const updated = (await (await post('/api/collections/meta/migration-preview', { id: users.id, listRule: 'id = @request.auth.id' }, auth)).json()) as { action: string; source: string };
      assert.equal(updated.action, 'update');
      assert.match(updated.source, /"listRule": "id = @request.auth.id"/);

      const invalid = await post('/api/collections/meta/migration-preview', { name: 'bad name!', type: 'base' }, auth);
      assert.equal(invalid.status, 400);
      assert.ok(((await invalid.json()) as { data: Record<string, unknown> }).data.name);
      assert.equal((await post('/api/collections/meta/migration-preview', [1, 2], auth)).status, 400);
    } finally {
      await node.cleanup();
    }
  });
}
