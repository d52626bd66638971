/**
 * Resumable (tus) uploads bound to a record's file field, on SQLite and PostgreSQL: an upload cut
 * off mid-way (client abort with tus-js-client, and a connection dropped under a raw PATCH) resumes
 * from the server's offset and completes into a record, on local disk and on S3 (s3rver); rules at
 * creation and completion, owner-only continuation, limits, refused types leave nothing behind,
 * and expired partial uploads are swept.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { buffer } from 'node:stream/consumers';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tus from 'tus-js-client';
import { ResumableUploads } from '../../src/files/uploads/resumable-uploads.js';
import { createTestApp, eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';
import { enableS3 } from './s3-app.js';
import { startS3TestServer } from './s3-test-server.js';
import type { S3TestServer } from './s3-test-server.js';

let server: S3TestServer;
before(async () => {
  server = await startS3TestServer();
});
after(() => server.close());

const MB = 1024 * 1024;

function bytes(size: number, seed: number): Buffer {
  const buf = Buffer.alloc(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    buf[i] = x >>> 24;
  }
  return buf;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function metadata(values: Record<string, string>): string {
  return Object.entries(values).map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`).join(',');
}

async function setup(t: TestApp): Promise<{ userToken: string }> {
  const docs = await t.call('POST', '/api/collections', {
    body: {
      name: 'docs',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'file', type: 'file', maxSelect: 1, maxSize: 10 * MB },
        { name: 'photo', type: 'file', maxSelect: 1, maxSize: 10 * MB, mimeTypes: ['image/png'] },
        { name: 'many', type: 'file', maxSelect: 5, maxSize: 10 * MB },
      ],
      listRule: '', viewRule: '', createRule: '@request.auth.id != ""', updateRule: '@request.auth.id != ""', deleteRule: '',
    },
  });
  assert.equal(docs.status, 200, JSON.stringify(docs.body));
  const email = `u${Date.now()}${Math.floor(Math.random() * 1e6)}@example.com`;
  await t.call('POST', '/api/collections/users/records', { body: { email, password: 'password123', passwordConfirm: 'password123' } });
  const login = await t.call('POST', '/api/collections/users/auth-with-password', { body: { identity: email, password: 'password123' }, token: null });
  return { userToken: login.body.token };
}

/** Starts a tus-js-client upload and aborts it after its first chunk; resolves with the upload URL. */
function startThenAbort(endpoint: string, data: Buffer, token: string, meta: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const upload: tus.Upload = new tus.Upload(data, {
      endpoint,
      chunkSize: MB,
      retryDelays: null,
      headers: { Authorization: token },
      metadata: meta,
      onChunkComplete() {
        void upload.abort().then(() => resolve(String(upload.url)), reject);
      },
      onError: reject,
      onSuccess: () => reject(new Error('the upload was meant to be interrupted')),
    });
    upload.start();
  });
}

/** Resumes an upload at `uploadUrl` (the client asks the server for its offset) and finishes it. */
function resume(uploadUrl: string, data: Buffer, token: string): Promise<{ offsetAtResume: number; record: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    let offsetAtResume = -1;
    const upload = new tus.Upload(data, {
      uploadUrl,
      chunkSize: MB,
      retryDelays: null,
      headers: { Authorization: token },
      onProgress(sent) {
        if (offsetAtResume < 0) offsetAtResume = sent;
      },
      onError: reject,
      onSuccess(payload) {
        resolve({ offsetAtResume, record: JSON.parse(payload.lastResponse.getBody()) as Record<string, unknown> });
      },
    });
    upload.start();
  });
}

/**
 * The stored bytes of a record's (first) file, read from the FileStore. (Served over HTTP, a
 * multi-MB file currently keeps the server's connection busy until the keep-alive timeout, so
 * `server.close()` in the cleanup would wait ~70 s; the files tests cover serving.)
 */
async function storedFile(t: TestApp, record: Record<string, unknown>, field: string): Promise<Buffer> {
  const value = record[field];
  const name = Array.isArray(value) ? String(value[0]) : String(value);
  return buffer(await t.app.files.get(`${String(record.collectionId)}/${String(record.id)}/${name}`));
}

for (const storage of ['local', 's3'] as const) {
  eachAppDialect(`tus: an upload aborted after one chunk resumes from the server's offset and creates the record (${storage})`, async (t) => {
    const { userToken } = await setup(t);
    if (storage === 's3') await enableS3(t, server);
    const data = bytes(3 * MB + 12345, 7);
    const url = await startThenAbort(`${t.url}/api/uploads/tus`, data, userToken, {
      collection: 'docs', field: 'file', filename: 'big data.bin', data: JSON.stringify({ title: 'resumed' }),
    });
    assert.match(url, /\/api\/uploads\/tus\/[0-9a-f]+$/);
    const head = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: userToken } });
    assert.equal(head.status, 200);
    const offset = Number(head.headers.get('upload-offset'));
    assert.ok(offset >= MB && offset < data.length, `offset ${offset}`);

    const { offsetAtResume, record } = await resume(url, data, userToken);
    assert.ok(offsetAtResume >= MB, `resumed at ${offsetAtResume}, not from the start`);
    assert.equal(record.title, 'resumed');
    assert.match(String(record.file), /^big_data_[a-z0-9]{10}\.bin$/);
    assert.equal(sha(await storedFile(t, record, 'file')), sha(data));
    // The partial upload is gone once attached.
    assert.deepEqual((await readdir(join(t.app.dataDir, 'uploads', 'tus'))).filter((n) => !n.startsWith('.')), []);
  });
}

eachAppDialect('tus: a PATCH whose connection drops mid-body keeps what arrived; the rest completes an update', async (t) => {
  const { userToken } = await setup(t);
  const rec = await t.call('POST', '/api/collections/docs/records', { body: { title: 'existing' } });
  const data = bytes(2 * MB, 3);
  const create = await fetch(`${t.url}/api/uploads/tus`, {
    method: 'POST',
    headers: {
      'Tus-Resumable': '1.0.0',
      'Upload-Length': String(data.length),
      'Upload-Metadata': metadata({ collection: 'docs', field: 'many', filename: 'part.bin', recordId: rec.body.id }),
      Authorization: userToken,
    },
  });
  assert.equal(create.status, 201, await create.text());
  const location = String(create.headers.get('location'));

  // Send half the body, then cut the connection.
  await new Promise<void>((resolve) => {
    const req = httpRequest(location, {
      method: 'PATCH',
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(data.length), Authorization: userToken },
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write(data.subarray(0, MB), () => setTimeout(() => req.destroy(), 200));
  });
  let offset = 0;
  for (let i = 0; i < 50 && offset === 0; i++) {
    const head = await fetch(location, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: userToken } });
    offset = Number(head.headers.get('upload-offset'));
    if (offset === 0) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(offset > 0 && offset <= MB, `offset after the drop: ${offset}`);

  // Another user may not continue it.
  const other = await fetch(location, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: t.token } });
  assert.equal(other.status, 404);

  const rest = await fetch(location, {
    method: 'PATCH',
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', Authorization: userToken },
    body: data.subarray(offset),
  });
  assert.equal(rest.status, 200, await rest.clone().text());
  const record = (await rest.json()) as Record<string, unknown>;
  assert.equal(record.id, rec.body.id);
  assert.equal(record.title, 'existing');
  assert.equal((record.many as string[]).length, 1);
  assert.equal(sha(await storedFile(t, record, 'many')), sha(data));
});

eachAppDialect('tus: rules at creation and completion, limits, refused types and bad metadata leave nothing behind', async (t) => {
  const { userToken } = await setup(t);
  const post = (headers: Record<string, string>, body?: Buffer): Promise<Response> =>
    fetch(`${t.url}/api/uploads/tus`, {
      method: 'POST',
      headers: { 'Tus-Resumable': '1.0.0', ...headers, ...(body ? { 'Content-Type': 'application/offset+octet-stream' } : {}) },
      ...(body ? { body } : {}),
    });
  // A guest fails the create rule up front... (the rule is an expression: checked for real at completion)
  const exe = Buffer.alloc(400);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]).copy(exe);
  const guest = await post({ 'Upload-Length': String(exe.length), 'Upload-Metadata': metadata({ collection: 'docs', field: 'file', filename: 'a.bin' }) }, exe);
  assert.equal(guest.status, 400, await guest.clone().text());
  assert.equal(((await guest.json()) as { message: string }).message, 'Failed to create record.');
  // ...and a superusers-only rule refuses at creation.
  await t.call('PATCH', '/api/collections/docs', { body: { createRule: null } });
  const denied = await post({ 'Upload-Length': '10', 'Upload-Metadata': metadata({ collection: 'docs', field: 'file', filename: 'a.bin' }), Authorization: userToken });
  assert.equal(denied.status, 403);
  await t.call('PATCH', '/api/collections/docs', { body: { createRule: '@request.auth.id != ""' } });

  // tus protocol errors leave in PocketBase's shape too.
  const noTus = await fetch(`${t.url}/api/uploads/tus`, { method: 'POST', headers: { 'Upload-Length': '10', Authorization: userToken } });
  assert.equal(noTus.status, 412);
  assert.deepEqual(await noTus.json(), { status: 412, message: 'Tus-Resumable Required', data: {} });

  // Over the field's maxSize, missing metadata, not a file field, deferred length.
  const big = await post({ 'Upload-Length': String(10 * MB + 1), 'Upload-Metadata': metadata({ collection: 'docs', field: 'file', filename: 'a.bin' }), Authorization: userToken });
  assert.equal(big.status, 400);
  assert.equal(((await big.json()) as { data: { file: { code: string } } }).data.file.code, 'validation_file_size_limit');
  assert.equal((await post({ 'Upload-Length': '10', Authorization: userToken })).status, 400);
  assert.equal((await post({ 'Upload-Length': '10', 'Upload-Metadata': metadata({ collection: 'docs', field: 'title', filename: 'a' }), Authorization: userToken })).status, 400);
  assert.equal((await post({ 'Upload-Defer-Length': '1', 'Upload-Metadata': metadata({ collection: 'docs', field: 'file', filename: 'a' }), Authorization: userToken })).status, 400);

  // A PNG-named executable into an image field: refused at completion with the field error, nothing kept.
  const evil = await post({ 'Upload-Length': String(exe.length), 'Upload-Metadata': metadata({ collection: 'docs', field: 'photo', filename: 'photo.png' }), Authorization: userToken }, exe);
  assert.equal(evil.status, 400);
  assert.equal(((await evil.json()) as { data: { photo: { code: string } } }).data.photo.code, 'validation_invalid_mime_type');
  assert.equal((await t.call('GET', '/api/collections/docs/records')).body.totalItems, 0);
  assert.deepEqual((await readdir(join(t.app.dataDir, 'uploads', 'tus'))).filter((n) => !n.startsWith('.')), []);
  assert.deepEqual(await t.app.files.list(''), []);
});

test('tus: expired partial uploads are swept', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'galley-tus-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // A real app for the collections, and a ResumableUploads over them whose uploads expire at once.
  const app = await createTestApp('sqlite');
  t.after(() => app.cleanup());
  await setup(app);
  const uploads = new ResumableUploads({
    db: app.app.db, collections: app.app.collections, records: app.app.records, directory: dir, path: '/tus', expiresAfterMs: 1,
  });
  const ctx = { auth: null, isSuperuser: true, request: { method: 'POST', headers: {}, query: {}, context: 'default', auth: null } };
  const http = createServer((req, res) => void uploads.handle(req, res, ctx));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => http.close(() => r())));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const res = await fetch(`http://127.0.0.1:${port}/tus`, {
    method: 'POST',
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '100', 'Upload-Metadata': metadata({ collection: 'docs', field: 'file', filename: 'a.bin' }) },
  });
  assert.equal(res.status, 201, await res.text());
  assert.equal((await readdir(dir)).length, 2); // the partial file and its metadata
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await uploads.sweep(), 1);
  assert.deepEqual(await readdir(dir), []);
});
