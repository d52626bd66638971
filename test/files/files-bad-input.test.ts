/**
 * Hostile uploads on SQLite and PostgreSQL: an executable named like a PNG, a file over maxSize, a
 * `../../etc/passwd` name, a truncated multipart body, a PNG claiming 100000x100000 pixels, a body
 * over the route's limit. Each is a 4xx in PocketBase's `{status, message, data}` shape, and none
 * leaves a stored object or a temporary upload behind.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { readdir } from 'node:fs/promises';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';
import { assertNothingStray, elfExecutable, hugeDimensionPng, pngImage, storedKeys } from './file-fixtures.js';

async function upload(t: TestApp, form: FormData, path = '/api/collections/uploads/records'): Promise<{ status: number; body: any }> {
  const res = await fetch(t.url + path, { method: 'POST', headers: { authorization: t.token }, body: form });
  return { status: res.status, body: await res.json() };
}

function form(field: string, bytes: Uint8Array | string, filename: string): FormData {
  const f = new FormData();
  f.append('title', 'x');
  f.append(field, new Blob([bytes]), filename);
  return f;
}

function assertErrorShape(body: any, status: number): void {
  assert.equal(body.status, status);
  assert.equal(typeof body.message, 'string');
  assert.equal(typeof body.data, 'object');
}

/** Sends a multipart body that stops in the middle of a file part, then ends the request. */
function truncatedMultipart(url: string, token: string): Promise<{ status: number; body: any }> {
  const boundary = 'galleytruncated';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--${boundary}\r\n`
    + 'Content-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n';
  const body = Buffer.concat([Buffer.from(head), Buffer.alloc(5000, 1)]);
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/api/collections/uploads/records`, {
      method: 'POST',
      headers: { authorization: token, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

eachAppDialect('hostile uploads are 4xx in the documented shape and leave nothing behind', async (t) => {
  const created = await t.call('POST', '/api/collections', {
    body: {
      name: 'uploads',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'image', type: 'file', maxSelect: 1, mimeTypes: ['image/png', 'image/jpeg'] },
        { name: 'doc', type: 'file', maxSelect: 1, maxSize: 1000 },
      ],
      createRule: '',
      viewRule: '',
    },
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const cid = created.body.id as string;

  // an executable named photo.png: refused on its detected type
  let res = await upload(t, form('image', elfExecutable(), 'photo.png'));
  assert.equal(res.status, 400);
  assertErrorShape(res.body, 400);
  assert.equal(res.body.data.image.code, 'validation_invalid_mime_type');
  await assertNothingStray(t.app, cid);

  // over maxSize (1000 bytes)
  res = await upload(t, form('doc', 'x'.repeat(5000), 'big.txt'));
  assert.equal(res.status, 400);
  assertErrorShape(res.body, 400);
  assert.equal(res.body.data.doc.code, 'validation_file_size_limit');
  assert.equal(res.body.data.doc.params.maxSize, 1000);
  await assertNothingStray(t.app, cid);

  // a path as the name: into an image-only field it is refused (it is text)...
  res = await upload(t, form('image', 'root:x:0:0:root:/root:/bin/sh\n', '../../etc/passwd'));
  assert.equal(res.status, 400);
  assert.equal(res.body.data.image.code, 'validation_invalid_mime_type');
  await assertNothingStray(t.app, cid);
  // ...and where text is allowed it is stored under a sanitised name inside the record's folder
  res = await upload(t, form('doc', 'root:x:0:0\n', '../../etc/passwd'));
  assert.equal(res.status, 200);
  assert.match(res.body.doc, /^passwd_[a-z0-9]{10}\.txt$/);
  assert.deepEqual(await storedKeys(t.app, cid), [`${cid}/${res.body.id}/${res.body.doc}`]);
  assert.equal((await t.call('DELETE', `/api/collections/uploads/records/${res.body.id}`)).status, 204);
  await assertNothingStray(t.app, cid);

  // a single-file field keeps the last upload: a refused one before it does not matter, and is not stored
  const two = new FormData();
  two.append('image', new Blob([elfExecutable()]), 'first.png');
  two.append('image', new Blob([await pngImage(8, 8)]), 'second.png');
  res = await upload(t, two);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match(res.body.image, /^second_[a-z0-9]{10}\.png$/);
  assert.deepEqual(await storedKeys(t.app, cid), [`${cid}/${res.body.id}/${res.body.image}`]);
  assert.equal((await t.call('DELETE', `/api/collections/uploads/records/${res.body.id}`)).status, 204);
  await assertNothingStray(t.app, cid);
  // ...and on update the same holds: the kept upload is stored even though an earlier one was refused
  const plain = await t.call('POST', '/api/collections/uploads/records', { body: { title: 'u' } });
  const upd = await fetch(`${t.url}/api/collections/uploads/records/${plain.body.id}`, { method: 'PATCH', headers: { authorization: t.token }, body: two });
  const updated = (await upd.json()) as { id: string; image: string };
  assert.equal(upd.status, 200);
  assert.deepEqual(await storedKeys(t.app, cid), [`${cid}/${updated.id}/${updated.image}`]);
  assert.equal((await t.call('DELETE', `/api/collections/uploads/records/${updated.id}`)).status, 204);
  await assertNothingStray(t.app, cid);

  // a truncated multipart body
  const cut = await truncatedMultipart(t.url, t.token);
  assert.equal(cut.status, 400);
  assertErrorShape(cut.body, 400);
  await assertNothingStray(t.app, cid);

  // a PNG that claims 100000x100000 pixels (decompression bomb)
  res = await upload(t, form('image', hugeDimensionPng(), 'bomb.png'));
  assert.equal(res.status, 400);
  assertErrorShape(res.body, 400);
  assert.equal(res.body.data.image.code, 'validation_image_too_large');
  await assertNothingStray(t.app, cid);

  // a body larger than the route allows (32 MB + the collection's file limits) is refused up front
  const huge = await fetch(`${t.url}/api/collections/uploads/records`, {
    method: 'POST',
    headers: { authorization: t.token, 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(200 * 1024 * 1024) },
    body: '--x--',
    duplex: 'half',
  } as RequestInit).catch((err: unknown) => err);
  if (huge instanceof Response) {
    assert.equal(huge.status, 413);
    assertErrorShape(await huge.json(), 413);
  }
  // a multipart body where a route takes none
  const wrong = await fetch(`${t.url}/api/collections`, { method: 'POST', headers: { authorization: t.token }, body: form('doc', 'x', 'a.txt') });
  assert.equal(wrong.status, 415);

  // nothing in the collection, nothing in storage, no temporary files
  const list = await t.call('GET', '/api/collections/uploads/records');
  assert.equal(list.body.totalItems, 0);
  await assertNothingStray(t.app, cid);
  assert.deepEqual(await readdir(`${t.app.dataDir}/storage`).catch(() => []).then((n) => n.filter((x) => x !== '.galley-tmp')), []);
});
