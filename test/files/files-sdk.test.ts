/**
 * File fields through the official `pocketbase` SDK on SQLite and PostgreSQL (local disk): create
 * with files, `pb.files.getURL` with thumbnails, caching and ranges, protected files with and without
 * a file token, updates with `+`/`-`/kept names, and deletes (record, collection) that remove stored objects and thumbs.
 */
import assert from 'node:assert/strict';
import type { RecordModel } from 'pocketbase';
import sharp from 'sharp';
import { eachAppDialect, SUPERUSER_EMAIL, SUPERUSER_PASSWORD } from '../http/test-app.js';
import { client, rejectsWith as rejects } from '../sdk/sdk-client.js';
import { pngImage, storedKeys } from './file-fixtures.js';

const NAME = /^[a-z0-9_]+_[a-z0-9]{10}\.[a-z0-9]+$/;

async function dims(res: Response): Promise<{ width: number; height: number }> {
  const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
  return { width: meta.width ?? 0, height: meta.height ?? 0 };
}

eachAppDialect('files through the SDK: upload, getURL with thumbs, protected files, +/- updates, delete', async ({ url, app }) => {
  const admin = client(url);
  await admin.collection('_superusers').authWithPassword(SUPERUSER_EMAIL, SUPERUSER_PASSWORD);
  const docs = await admin.collections.create({
    name: 'docs',
    type: 'base',
    fields: [
      { name: 'title', type: 'text' },
      { name: 'photo', type: 'file', maxSelect: 1, mimeTypes: ['image/png', 'image/jpeg'], thumbs: ['50x50', '0x40', '80x30f'] },
      { name: 'attachments', type: 'file', maxSelect: 5, maxSize: 1_000_000 },
      { name: 'secret', type: 'file', maxSelect: 1, protected: true },
    ],
    listRule: '',
    viewRule: '@request.auth.id != ""',
    createRule: '',
    updateRule: '',
    deleteRule: '',
  });

  const photo = await pngImage(300, 200);
  const created = await admin.collection('docs').create({
    title: 'first',
    photo: new File([photo], 'My Photo.png', { type: 'image/png' }),
    attachments: [new File(['hello'], 'a.txt'), new File(['world'], 'b.txt')],
    secret: new File(['top secret'], 'secret.txt'),
  });
  assert.match(created.photo, NAME);
  assert.ok(created.photo.startsWith('my_photo_'));
  assert.equal(created.attachments.length, 2);
  for (const n of created.attachments) assert.match(n, NAME);
  assert.match(created.secret, NAME);
  assert.deepEqual(
    (await storedKeys(app, docs.id)).sort(),
    [created.photo, ...created.attachments, created.secret].map((n) => `${docs.id}/${created.id}/${n}`).sort(),
  );

  // --- serving -----------------------------------------------------------------------------
  const photoUrl = admin.files.getURL(created, created.photo);
  const original = await fetch(photoUrl);
  assert.equal(original.status, 200);
  assert.equal(original.headers.get('content-type'), 'image/png');
  assert.equal(original.headers.get('x-content-type-options'), 'nosniff');
  assert.match(original.headers.get('content-disposition') ?? '', /^inline/);
  const etag = original.headers.get('etag') ?? '';
  assert.ok(etag !== '' && original.headers.get('last-modified'));
  assert.deepEqual(Buffer.from(await original.arrayBuffer()), photo);

  assert.equal((await fetch(photoUrl, { headers: { 'if-none-match': etag } })).status, 304);
  assert.equal((await fetch(photoUrl, { headers: { 'if-modified-since': new Date(Date.now() + 60_000).toUTCString() } })).status, 304);
  const part = await fetch(photoUrl, { headers: { range: 'bytes=0-9' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 0-9/${photo.length}`);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), photo.subarray(0, 10));
  const tail = await fetch(photoUrl, { headers: { range: 'bytes=-5' } });
  assert.deepEqual(Buffer.from(await tail.arrayBuffer()), photo.subarray(photo.length - 5));
  const beyond = await fetch(photoUrl, { headers: { range: `bytes=${photo.length}-` } });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('content-range'), `bytes */${photo.length}`);
  assert.equal(((await beyond.json()) as { status: number }).status, 416);
  const download = await fetch(admin.files.getURL(created, created.photo, { download: true }));
  assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename="my_photo_/);
  await download.arrayBuffer();

  // thumbnails: 100x100 and the listed sizes; anything else is the original
  assert.deepEqual(await dims(await fetch(admin.files.getURL(created, created.photo, { thumb: '100x100' }))), { width: 100, height: 100 });
  assert.deepEqual(await dims(await fetch(admin.files.getURL(created, created.photo, { thumb: '50x50' }))), { width: 50, height: 50 });
  assert.deepEqual(await dims(await fetch(admin.files.getURL(created, created.photo, { thumb: '0x40' }))), { width: 60, height: 40 });
  assert.deepEqual(await dims(await fetch(admin.files.getURL(created, created.photo, { thumb: '80x30f' }))), { width: 45, height: 30 });
  assert.deepEqual(await dims(await fetch(admin.files.getURL(created, created.photo, { thumb: '70x70' }))), { width: 300, height: 200 });
  // generated once and kept beside the original
  const thumbs = (await storedKeys(app, docs.id)).filter((k) => k.includes('/thumbs_'));
  assert.deepEqual(thumbs.sort(), ['0x40', '100x100', '50x50', '80x30f'].map((s) => `${docs.id}/${created.id}/thumbs_${created.photo}/${s}_${created.photo}`).sort());
  // a thumbnail of a non-image is the original
  const txt = await fetch(admin.files.getURL(created, created.attachments[0], { thumb: '100x100' }));
  assert.equal(await txt.text(), 'hello');
  // names the record does not hold are 404, whatever exists on disk
  assert.equal((await fetch(`${url}/api/files/docs/${created.id}/nope_0123456789.png`)).status, 404);
  assert.equal((await fetch(`${url}/api/files/docs/${created.id}/..%2F..%2Fetc%2Fpasswd`)).status, 404);

  // --- protected files ---------------------------------------------------------------------
  const secretUrl = admin.files.getURL(created, created.secret);
  assert.equal((await fetch(secretUrl)).status, 404, 'no token: 404');
  const user = client(url);
  await admin.collection('users').create({ email: 'reader@example.com', password: 'password123', passwordConfirm: 'password123' });
  await user.collection('users').authWithPassword('reader@example.com', 'password123');
  const fileToken = await user.files.getToken();
  assert.ok(fileToken.length > 20);
  const withToken = await fetch(user.files.getURL(created, created.secret, { token: fileToken }));
  assert.equal(withToken.status, 200);
  assert.equal(withToken.headers.get('cache-control'), 'private, no-store');
  assert.equal(await withToken.text(), 'top secret');
  assert.equal((await fetch(user.files.getURL(created, created.secret, { token: `${fileToken}x` }))).status, 404, 'bad signature');
  // an auth token is not a file token
  assert.equal((await fetch(user.files.getURL(created, created.secret, { token: user.authStore.token }))).status, 404);
  const guest = client(url);
  assert.equal((await rejects(guest.files.getToken())).status, 401);
  // a superuser's file token passes any view rule
  const adminToken = await admin.files.getToken();
  assert.equal(await (await fetch(admin.files.getURL(created, created.secret, { token: adminToken }))).text(), 'top secret');
  // HEAD: the headers without the body
  const head = await fetch(photoUrl, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(photo.length));
  assert.equal(head.headers.get('etag'), etag);

  // --- updates -----------------------------------------------------------------------------
  const [a, b] = created.attachments as [string, string];
  let rec: RecordModel = await admin.collection('docs').update(created.id, { 'attachments+': new File(['third'], 'c.txt') });
  assert.equal(rec.attachments.length, 3);
  assert.deepEqual(rec.attachments.slice(0, 2), [a, b]);
  const c = rec.attachments[2] as string;
  rec = await admin.collection('docs').update(created.id, { '+attachments': new File(['zero'], 'z.txt'), 'attachments-': [a] });
  assert.equal(rec.attachments.length, 3);
  assert.deepEqual(rec.attachments.slice(1), [b, c]);
  const z = rec.attachments[0] as string;
  let keys = await storedKeys(app, docs.id);
  assert.ok(!keys.includes(`${docs.id}/${created.id}/${a}`), 'a removed file is deleted after the commit');
  // plain names beside new uploads are kept; the others go
  rec = await admin.collection('docs').update(created.id, { attachments: [b, new File(['new'], 'n.txt')] });
  assert.equal(rec.attachments.length, 2);
  assert.equal(rec.attachments[0], b);
  keys = await storedKeys(app, docs.id);
  for (const gone of [c, z]) assert.ok(!keys.includes(`${docs.id}/${created.id}/${gone}`));
  // replacing the photo deletes the old one and its thumbnails
  rec = await admin.collection('docs').update(created.id, { photo: new File([await pngImage(20, 20)], 'next.png') });
  keys = await storedKeys(app, docs.id);
  assert.ok(!keys.some((k) => k.includes(created.photo)), 'old photo and its thumbs are gone');
  // a plain name the record does not hold is refused
  const invalid = await rejects(admin.collection('docs').update(created.id, { attachments: [b, 'other_0123456789.txt'] }));
  assert.equal(invalid.status, 400);
  assert.equal(invalid.response.data.attachments.code, 'validation_invalid_file');
  // too many files
  const many = await rejects(admin.collection('docs').update(created.id, {
    'attachments+': [1, 2, 3, 4, 5].map((i) => new File([`f${i}`], `f${i}.txt`)),
  }));
  assert.equal(many.response.data.attachments.code, 'validation_too_many_files');
  // (thumbnail jobs of the new photo may add thumbs meanwhile: count the files only)
  const filesOnly = (list: string[]): string[] => list.filter((k) => !k.includes('/thumbs_'));
  assert.deepEqual(filesOnly(await storedKeys(app, docs.id)), filesOnly(keys), 'a refused update stores nothing');
  // removing everything with an empty value
  rec = await admin.collection('docs').update(created.id, { attachments: [] });
  assert.deepEqual(rec.attachments, []);

  // --- batch with files ----------------------------------------------------------------------
  const batch = admin.createBatch();
  batch.collection('docs').create({ title: 'batched', attachments: [new File(['one'], 'one.txt')] });
  batch.collection('docs').update(created.id, { 'attachments+': new File(['two'], 'two.txt') });
  const results = await batch.send();
  assert.equal(results.length, 2);
  const batched = results[0]?.body as RecordModel;
  assert.equal(batched.attachments.length, 1);
  assert.equal((results[1]?.body as RecordModel).attachments.length, 1);
  assert.equal(await (await fetch(admin.files.getURL(batched, batched.attachments[0]))).text(), 'one');
  // a failing batch removes what its earlier items stored
  const before = filesOnly(await storedKeys(app, docs.id)).length;
  const failing = admin.createBatch();
  failing.collection('docs').create({ title: 'will roll back', attachments: [new File(['x'], 'x.txt')] });
  failing.collection('docs').update('missing_record', { title: 'nope' });
  assert.equal((await rejects(failing.send())).status, 400);
  assert.equal(filesOnly(await storedKeys(app, docs.id)).length, before);

  // --- deletes -------------------------------------------------------------------------------
  // thumbnail jobs of the uploads above are done first, so none writes after the delete below
  for (let i = 0; i < 600; i++) {
    const open = await app.jobs.list({ kind: 'files.thumbnail', filter: "state = 'queued' || state = 'running' || state = 'failed'", page: 1, perPage: 1 });
    if (open.items.length === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await fetch(admin.files.getURL(rec, rec.photo, { thumb: '100x100' }));
  assert.ok((await storedKeys(app, docs.id)).some((k) => k.startsWith(`${docs.id}/${created.id}/thumbs_`)));
  await admin.collection('docs').delete(created.id);
  assert.deepEqual((await storedKeys(app, docs.id)).filter((k) => k.startsWith(`${docs.id}/${created.id}/`)), []);
  await admin.collection('docs').delete(batched.id);
  assert.deepEqual(await storedKeys(app, docs.id), []);

  // deleting the collection deletes its storage folder
  await admin.collection('docs').create({ attachments: [new File(['last'], 'last.txt')] });
  assert.equal((await storedKeys(app, docs.id)).length, 1);
  await admin.collections.delete('docs');
  assert.deepEqual(await storedKeys(app, docs.id), []);
});
