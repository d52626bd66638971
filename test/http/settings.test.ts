import assert from 'node:assert/strict';
import { eachAppDialect } from './test-app.js';

eachAppDialect(
  'settings: PocketBase shape, secrets never returned, kept when omitted, encrypted at rest',
  async ({ call, app }) => {
    assert.equal((await call('GET', '/api/settings', { token: null })).status, 401);
    const initial = await call('GET', '/api/settings');
    assert.equal(initial.status, 200);
    assert.deepEqual(Object.keys(initial.body).sort(), ['batch', 'graphql', 'jobs', 'logs', 'meta', 'rateLimits', 'realtime', 's3', 'smtp', 'trustedProxy']);
    assert.deepEqual(initial.body.batch, { enabled: true, maxRequests: 50, timeout: 3, maxBodySize: 128 * 1024 * 1024 });
    assert.deepEqual(initial.body.logs, { maxDays: 5, minLevel: 0, logIP: true, logAuthId: false });
    assert.deepEqual(initial.body.trustedProxy, { headers: [], useLeftmostIP: false });
    assert.deepEqual(initial.body.rateLimits, { enabled: false, rules: [] });

    const patched = await call('PATCH', '/api/settings', {
      body: {
        meta: { appName: 'Shop' },
        smtp: { enabled: true, host: 'mail.example.com', port: 2525, password: 'smtp-secret-1' },
        s3: { secret: 's3-secret-1' },
        unknownSection: { x: 1 },
      },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.meta.appName, 'Shop');
    assert.equal(patched.body.meta.senderName, 'Support', 'untouched keys keep their value');
    assert.equal(patched.body.smtp.host, 'mail.example.com');
    assert.equal(patched.body.smtp.password, '');
    assert.equal(patched.body.s3.secret, '');
    assert.equal(patched.body.unknownSection, undefined);
    assert.equal(app.settings.get().smtp.password, 'smtp-secret-1');

    // Omitted and "" keep the stored secret; null clears it.
    await call('PATCH', '/api/settings', { body: { smtp: { port: 587 } } });
    assert.equal(app.settings.get().smtp.password, 'smtp-secret-1');
    await call('PATCH', '/api/settings', { body: { smtp: { password: '' } } });
    assert.equal(app.settings.get().smtp.password, 'smtp-secret-1');
    await call('PATCH', '/api/settings', { body: { s3: { secret: null } } });
    assert.equal(app.settings.get().s3.secret, '');

    const get = await call('GET', '/api/settings');
    assert.doesNotMatch(JSON.stringify(get.body), /smtp-secret-1/);

    const row = await app.db.get<{ value: unknown }>(`SELECT "value" FROM "_params" WHERE "key" = 'settings'`);
    const stored = typeof row?.value === 'string' ? row.value : JSON.stringify(row?.value);
    assert.doesNotMatch(stored, /smtp-secret-1/, 'encrypted at rest');
    assert.match(stored, /enc:v1:/);

    // A reload (restart, other node) decrypts the same value.
    await app.settings.reload();
    assert.equal(app.settings.get().smtp.password, 'smtp-secret-1');
    assert.equal(app.settings.get().meta.appName, 'Shop');
  },
  { config: { encryptionKey: 'test-encryption-key' } },
);

eachAppDialect('settings validation errors are nested PocketBase field errors; nothing is stored', async ({ call, app }) => {
  const res = await call('PATCH', '/api/settings', {
    body: {
      meta: { appName: '', senderAddress: 'not-an-email' },
      logs: { maxDays: -1 },
      s3: { enabled: true },
      rateLimits: { rules: [{ label: '', maxRequests: 0, duration: 1, audience: '' }] },
      batch: { timeout: 'soon' },
    },
  });
  assert.equal(res.status, 400);
  const d = res.body.data;
  assert.equal(d.meta.appName.code, 'validation_required');
  assert.equal(d.meta.senderAddress.code, 'validation_is_email');
  assert.equal(d.logs.maxDays.code, 'validation_min_number_constraint');
  assert.equal(d.s3.bucket.code, 'validation_required');
  assert.equal(d.rateLimits.rules['0'].maxRequests.code, 'validation_min_number_constraint');
  assert.equal(d.batch.timeout.code, 'validation_invalid_type');
  assert.equal(app.settings.get().meta.appName, 'Galley');
});
