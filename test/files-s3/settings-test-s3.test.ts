/** `POST /api/settings/test/s3` against s3rver on SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { eachAppDialect } from '../http/test-app.js';
import { enableS3 } from './s3-app.js';
import { startS3TestServer } from './s3-test-server.js';
import type { S3TestServer } from './s3-test-server.js';

let server: S3TestServer;
before(async () => {
  server = await startS3TestServer();
});
after(() => server.close());

eachAppDialect('POST /api/settings/test/s3: 204 on a working bucket, 400 otherwise, superusers only', async (t) => {
  assert.equal((await t.call('POST', '/api/settings/test/s3', { body: { filesystem: 'storage' } })).status, 400);
  await enableS3(t, server);
  assert.equal((await t.call('POST', '/api/settings/test/s3', { body: { filesystem: 'storage' } })).status, 204);
  assert.equal((await t.call('POST', '/api/settings/test/s3', { body: { filesystem: 'backups' } })).status, 400);
  assert.equal((await t.call('POST', '/api/settings/test/s3', { body: {}, token: null })).status, 401);
  await t.call('PATCH', '/api/settings', { body: { s3: { bucket: 'no-such-bucket-here' } } });
  const failed = await t.call('POST', '/api/settings/test/s3', { body: {} });
  assert.equal(failed.status, 400);
  assert.match(failed.body.message, /^Failed to initialize the S3 storage/);
});
