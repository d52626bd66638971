/**
 * Presigned direct-to-S3 uploads on SQLite and PostgreSQL with s3rver: presign (rules, size, type
 * claims decided up front), PUT straight to the bucket, finalize (detected type and size checked,
 * object attached to a new or existing record, or deleted with a 400), single use, owner-bound,
 * expiry sweep.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import sharp from 'sharp';
import type { S3FileStoreOptions } from '../../src/files/s3/s3-file-store.js';
import { presignedUploads } from '../../src/http/routes/uploads-service.js';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';
import { bucketKeys, enableS3 } from './s3-app.js';
import { startS3TestServer } from './s3-test-server.js';
import type { S3TestServer } from './s3-test-server.js';

let server: S3TestServer;
before(async () => {
  server = await startS3TestServer();
});
after(() => server.close());

const png = (): Promise<Buffer> => sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer();

/** The first bytes of an ELF executable: a "photo.png" that is really a program. */
function executable(): Buffer {
  const buf = Buffer.alloc(300);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]).copy(buf);
  buf.writeUInt16LE(2, 16);
  buf.writeUInt16LE(0x3e, 18);
  return buf;
}


async function putTo(presigned: { url: string; headers: Record<string, string> }, body: Buffer): Promise<number> {
  const res = await fetch(presigned.url, { method: 'PUT', headers: presigned.headers, body });
  await res.arrayBuffer();
  return res.status;
}

async function setup(t: TestApp): Promise<{ options: S3FileStoreOptions; docsId: string; userToken: string }> {
  const options = await enableS3(t, server);
  const docs = await t.call('POST', '/api/collections', {
    body: {
      name: 'docs',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'photo', type: 'file', maxSelect: 1, maxSize: 100_000, mimeTypes: ['image/png'] },
        { name: 'files', type: 'file', maxSelect: 5, maxSize: 100_000 },
      ],
      listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
    },
  });
  assert.equal(docs.status, 200, JSON.stringify(docs.body));
  const email = `u${Date.now()}@example.com`;
  await t.call('POST', '/api/collections/users/records', { body: { email, password: 'password123', passwordConfirm: 'password123' } });
  const login = await t.call('POST', '/api/collections/users/auth-with-password', { body: { identity: email, password: 'password123' }, token: null });
  assert.equal(login.status, 200);
  return { options, docsId: docs.body.id, userToken: login.body.token };
}

eachAppDialect('presigned upload creates a record with the file; a second finalize, another user or no upload are refused', async (t) => {
  const { options, docsId, userToken } = await setup(t);
  const image = await png();
  const presign = await t.call('POST', '/api/uploads/presign', {
    body: { collection: 'docs', field: 'photo', filename: 'My Pic.png', size: image.length, contentType: 'image/png' },
    token: userToken,
  });
  assert.equal(presign.status, 200, JSON.stringify(presign.body));
  assert.equal(presign.body.method, 'PUT');
  assert.equal(presign.body.collectionId, docsId);
  assert.match(presign.body.recordId, /^[a-z0-9]{15}$/);
  assert.ok(Date.parse(presign.body.expires) > Date.now());

  // Nothing uploaded yet: 400, and the id stays usable.
  const early = await t.call('POST', `/api/uploads/${presign.body.id}/finalize`, { body: { title: 'x' }, token: userToken });
  assert.equal(early.status, 400);

  assert.equal(await putTo(presign.body, image), 200);
  // Another requester cannot finalize someone else's upload (guest here).
  assert.equal((await t.call('POST', `/api/uploads/${presign.body.id}/finalize`, { body: {}, token: null })).status, 404);

  const done = await t.call('POST', `/api/uploads/${presign.body.id}/finalize`, { body: { title: 'direct' }, token: userToken });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(done.body.id, presign.body.recordId);
  assert.equal(done.body.title, 'direct');
  assert.match(done.body.photo, /^my_pic_[a-z0-9]{10}\.png$/);
  assert.deepEqual(await bucketKeys(options), [`${docsId}/${done.body.id}/${done.body.photo}`]);

  const file = await fetch(`${t.url}/api/files/docs/${done.body.id}/${done.body.photo}`);
  assert.equal(file.status, 200);
  assert.ok(Buffer.from(await file.arrayBuffer()).equals(image));

  const again = await t.call('POST', `/api/uploads/${presign.body.id}/finalize`, { body: {}, token: userToken });
  assert.equal(again.status, 404);
});

eachAppDialect('presigned upload into an existing record appends to a multi-file field and keeps the others', async (t) => {
  const { options, docsId } = await setup(t);
  const rec = await t.call('POST', '/api/collections/docs/records', { body: { title: 'has files' } });
  assert.equal(rec.status, 200);
  const names: string[] = [];
  for (const text of ['one', 'two']) {
    const body = Buffer.from(`file ${text}`);
    const p = await t.call('POST', '/api/uploads/presign', {
      body: { collection: 'docs', field: 'files', filename: `${text}.txt`, size: body.length, contentType: 'text/plain', recordId: rec.body.id },
    });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.equal(p.body.recordId, rec.body.id);
    assert.equal(await putTo(p.body, body), 200);
    const f = await t.call('POST', `/api/uploads/${p.body.id}/finalize`, { body: {} });
    assert.equal(f.status, 200, JSON.stringify(f.body));
    names.push(...f.body.files.filter((n: string) => !names.includes(n)));
  }
  const view = await t.call('GET', `/api/collections/docs/records/${rec.body.id}`);
  assert.equal(view.body.files.length, 2);
  assert.equal(view.body.title, 'has files');
  assert.deepEqual((await bucketKeys(options)).sort(), names.map((n) => `${docsId}/${rec.body.id}/${n}`).sort());
});

eachAppDialect('presign and finalize refuse bad input: wrong detected type (object deleted), too large, rules, local storage', async (t) => {
  const { options, userToken } = await setup(t);

  // A PNG-named executable: the detected type decides; 400, the object is gone, no record.
  const exe = executable();
  const p = await t.call('POST', '/api/uploads/presign', {
    body: { collection: 'docs', field: 'photo', filename: 'photo.png', size: exe.length, contentType: 'image/png' },
    token: userToken,
  });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal(await putTo(p.body, exe), 200);
  assert.equal((await bucketKeys(options)).length, 1);
  const bad = await t.call('POST', `/api/uploads/${p.body.id}/finalize`, { body: { title: 'evil' }, token: userToken });
  assert.equal(bad.status, 400, JSON.stringify(bad.body));
  assert.equal(bad.body.data.photo.code, 'validation_invalid_mime_type');
  assert.deepEqual(await bucketKeys(options), []);
  assert.equal((await t.call('GET', `/api/collections/docs/records/${p.body.recordId}`)).status, 404);

  // Declared too large for the field: refused before any URL exists.
  const big = await t.call('POST', '/api/uploads/presign', { body: { collection: 'docs', field: 'photo', filename: 'a.png', size: 100_001 } });
  assert.equal(big.status, 400);
  assert.equal(big.body.data.photo.code, 'validation_file_size_limit');
  // A claimed type the field does not allow.
  const claimed = await t.call('POST', '/api/uploads/presign', { body: { collection: 'docs', field: 'photo', filename: 'a.gif', size: 10, contentType: 'image/gif' } });
  assert.equal(claimed.status, 400);
  // Not a file field, missing values.
  const notFile = await t.call('POST', '/api/uploads/presign', { body: { collection: 'docs', field: 'title', filename: 'a', size: 1 } });
  assert.equal(notFile.status, 400);
  const missing = await t.call('POST', '/api/uploads/presign', { body: { collection: 'docs' } });
  assert.equal(missing.status, 400);
  assert.deepEqual(Object.keys(missing.body.data).sort(), ['field', 'filename', 'size']);

  // Rules decided up front: superusers-only create, and an update of a record the rule hides.
  await t.call('PATCH', '/api/collections/docs', { body: { createRule: null, updateRule: 'title = "open"' } });
  const guestCreate = await t.call('POST', '/api/uploads/presign', { body: { collection: 'docs', field: 'photo', filename: 'a.png', size: 10 }, token: null });
  assert.equal(guestCreate.status, 403);
  const closed = await t.call('POST', '/api/collections/docs/records', { body: { title: 'closed' } });
  const hidden = await t.call('POST', '/api/uploads/presign', {
    body: { collection: 'docs', field: 'files', filename: 'a.txt', size: 10, recordId: closed.body.id },
    token: userToken,
  });
  assert.equal(hidden.status, 404);

  // Expired upload ids are swept with their objects.
  const late = await t.call('POST', '/api/uploads/presign', { body: { collection: 'docs', field: 'files', filename: 'late.txt', size: 4, recordId: closed.body.id } });
  assert.equal(late.status, 200);
  assert.equal(await putTo(late.body, Buffer.from('late')), 200);
  assert.equal(await presignedUploads(t.app).sweep(new Date(Date.now() + 2 * 60 * 60 * 1000)), 1);
  assert.deepEqual(await bucketKeys(options), []);
  assert.equal((await t.call('POST', `/api/uploads/${late.body.id}/finalize`, { body: {} })).status, 404);

  // Local storage: no presigned uploads.
  await t.call('PATCH', '/api/settings', { body: { s3: { enabled: false } } });
  assert.equal(t.app.files.kind, 'local');
  const local = await t.call('POST', '/api/uploads/presign', { body: { collection: 'docs', field: 'files', filename: 'a.txt', size: 1 } });
  assert.equal(local.status, 400);
});

eachAppDialect('the uploads.sweep job (scheduled every 15 minutes) deletes expired presigned uploads and their objects', async (t) => {
  const { options } = await setup(t);
  assert.ok(t.app.jobs.defined('uploads.sweep'));
  const body = Buffer.from('abandoned');
  const p = await t.call('POST', '/api/uploads/presign', { body: { collection: 'docs', field: 'files', filename: 'x.txt', size: body.length } });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal(await putTo(p.body, body), 200);
  await t.app.db.run(`UPDATE "_uploads" SET "expires" = ? WHERE "id" = ?`, [new Date(Date.now() - 1000).toISOString(), p.body.id]);
  const { id } = await t.app.jobs.enqueue('uploads.sweep', null);
  t.app.jobs.wake();
  let state = '';
  for (let i = 0; i < 200 && state !== 'completed' && state !== 'dead'; i++) {
    state = (await t.app.jobs.get(id))?.state ?? '';
    if (state !== 'completed') await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(state, 'completed');
  assert.deepEqual(await bucketKeys(options), []);
});
