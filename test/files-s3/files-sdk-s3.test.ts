/**
 * File fields through the official `pocketbase` SDK with S3 storage (s3rver), on SQLite and
 * PostgreSQL: create with files, `pb.files.getURL` with a thumbnail (generated into the bucket),
 * update with `+`/`-`, and delete removing the stored objects and thumbnails.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import sharp from 'sharp';
import type { S3FileStoreOptions } from '../../src/files/s3/s3-file-store.js';
import { eachAppDialect, SUPERUSER_EMAIL, SUPERUSER_PASSWORD } from '../http/test-app.js';
import { eventually } from '../../src/testing/eventually.js';
import { client } from '../sdk/sdk-client.js';
import { bucketKeys, enableS3 } from './s3-app.js';
import { startS3TestServer } from './s3-test-server.js';
import type { S3TestServer } from './s3-test-server.js';

let server: S3TestServer;
before(async () => {
  server = await startS3TestServer();
});
after(() => server.close());



eachAppDialect('files through the SDK on S3: create, getURL with a thumb, +/- update, delete removes objects and thumbs', async (t) => {
  const options = await enableS3(t, server);
  const pb = client(t.url);
  await pb.collection('_superusers').authWithPassword(SUPERUSER_EMAIL, SUPERUSER_PASSWORD);
  const docs = await pb.collections.create({
    name: 'docs',
    type: 'base',
    fields: [
      { name: 'title', type: 'text' },
      { name: 'photo', type: 'file', maxSelect: 1, mimeTypes: ['image/png'], thumbs: ['40x30'] },
      { name: 'attachments', type: 'file', maxSelect: 5 },
    ],
    listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
  });

  const png = await sharp({ create: { width: 120, height: 90, channels: 3, background: { r: 10, g: 120, b: 200 } } }).png().toBuffer();
  const record = await pb.collection('docs').create({
    title: 'on s3',
    photo: new File([png], 'Holiday.png', { type: 'image/png' }),
    attachments: [new File(['alpha'], 'a.txt'), new File(['beta'], 'b.txt')],
  });
  assert.match(record.photo, /^holiday_[a-z0-9]{10}\.png$/);
  assert.equal(record.attachments.length, 2);
  const prefix = `${docs.id}/${record.id}/`;
  const keys = await bucketKeys(options);
  for (const name of [record.photo, ...record.attachments]) assert.ok(keys.includes(prefix + name), `${name} in the bucket`);

  const original = await fetch(pb.files.getURL(record, record.photo));
  assert.equal(original.status, 200);
  assert.ok(Buffer.from(await original.arrayBuffer()).equals(png));
  const thumb = await fetch(pb.files.getURL(record, record.photo, { thumb: '40x30' }));
  assert.equal(thumb.status, 200);
  const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
  assert.deepEqual([meta.width, meta.height], [40, 30]);
  await eventually(async () => (await bucketKeys(options)).some((k) => k.startsWith(`${prefix}thumbs_${record.photo}/`)), 'the thumbnail in the bucket');

  const text = await fetch(pb.files.getURL(record, record.attachments[0]));
  assert.equal(await text.text(), 'alpha');

  // Remove one attachment, add another: the removed object goes after the commit.
  const removed = record.attachments[0] as string;
  const updated = await pb.collection('docs').update(record.id, { 'attachments-': [removed], 'attachments+': new File(['gamma'], 'c.txt') });
  assert.equal(updated.attachments.length, 2);
  assert.ok(!updated.attachments.includes(removed));
  await eventually(async () => !(await bucketKeys(options)).includes(prefix + removed), 'the removed attachment to go');

  await pb.collection('docs').delete(record.id);
  await eventually(async () => (await bucketKeys(options)).length === 0, 'the record folder (files and thumbs) to go');
});
