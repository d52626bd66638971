/**
 * Two nodes on one PostgreSQL database (shared in-memory bus): turning S3 on through node A moves
 * node B's file storage to the same bucket without a restart, so a file uploaded through A is served
 * by B, and a presigned upload made on A is finalized on B.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../../src/testing/eventually.js';
import { requireService } from '../../src/testing/services.js';
import { createTwoNodes, sharedBus } from '../http/two-nodes.js';
import { bucketKeys, enableS3 } from './s3-app.js';
import { startS3TestServer } from './s3-test-server.js';
import type { S3TestServer } from './s3-test-server.js';

let server: S3TestServer;
before(async () => {
  server = await startS3TestServer();
});
after(() => server.close());

test('S3 turned on through one node is used by the other at once; presign on A, finalize on B [postgres]', async (t) => {
  if (!(await requireService(t, 'postgres'))) return;
  const nodes = await createTwoNodes('s3nodes', sharedBus());
  t.after(() => nodes.cleanup());
  const { a, b } = nodes;

  assert.equal(b.app.files.kind, 'local');
  const options = await enableS3(a, server);
  await eventually(() => b.app.files.kind === 's3', 'node B switches to S3');

  const docs = await a.call('POST', '/api/collections', {
    body: { name: 'docs', fields: [{ name: 'file', type: 'file', maxSelect: 1 }], viewRule: '', createRule: '', updateRule: '' },
  });
  assert.equal(docs.status, 200, JSON.stringify(docs.body));
  await eventually(() => b.app.collections.find('docs') !== undefined, 'node B sees the collection');

  const form = new FormData();
  form.append('file', new Blob(['shared across nodes']), 'note.txt');
  const created = await fetch(`${a.url}/api/collections/docs/records`, { method: 'POST', body: form });
  const record = (await created.json()) as { id: string; file: string };
  assert.equal(created.status, 200, JSON.stringify(record));
  const served = await fetch(`${b.url}/api/files/docs/${record.id}/${record.file}`);
  assert.equal(served.status, 200);
  assert.equal(await served.text(), 'shared across nodes');

  const body = Buffer.from('presigned on A');
  const p = await a.call('POST', '/api/uploads/presign', { body: { collection: 'docs', field: 'file', filename: 'p.txt', size: body.length } });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal((await fetch(p.body.url, { method: 'PUT', headers: p.body.headers, body })).status, 200);
  const done = await b.call('POST', `/api/uploads/${p.body.id}/finalize`, { body: {} });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.ok((await bucketKeys(options)).includes(`${docs.body.id}/${done.body.id}/${done.body.file}`));
});
