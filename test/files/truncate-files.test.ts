/**
 * `DELETE /api/collections/{c}/truncate` deletes the records' stored files after the commit
 * (regression: the rows went, the objects stayed in the file store), and nothing of another
 * collection or of a record created afterwards.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { App } from '../../src/app/app.js';
import { SYSTEM_CONTEXT } from '../../src/auth/system-context.js';
import { eachAppDialect } from '../http/test-app.js';
import { storedKeys } from './file-fixtures.js';

async function createWithFiles(app: App, collection: string, title: string): Promise<void> {
  const files = ['a', 'b'].map((n) => {
    const bytes = Buffer.from(`${title} ${n}`);
    return { key: 'docs', originalName: `${n}.txt`, size: bytes.length, mime: 'text/plain', ext: 'txt', open: async () => Readable.from([bytes]) };
  });
  await app.records.create(collection, { title }, { files }, SYSTEM_CONTEXT);
}

eachAppDialect('truncating a collection deletes its records’ files, and only theirs', async ({ app, call }) => {
  const fields = [{ name: 'title', type: 'text' }, { name: 'docs', type: 'file', maxSelect: 5 }];
  const notes = await app.collections.create({ name: 'notes', type: 'base', fields });
  const other = await app.collections.create({ name: 'other', type: 'base', fields });
  for (const title of ['one', 'two', 'three']) await createWithFiles(app, 'notes', title);
  await createWithFiles(app, 'other', 'elsewhere');
  assert.equal((await storedKeys(app, notes.id)).length, 6);

  const res = await call('DELETE', '/api/collections/notes/truncate');
  assert.equal(res.status, 204);
  assert.equal((await app.records.list('notes', {}, SYSTEM_CONTEXT)).totalItems, 0);
  assert.deepEqual(await storedKeys(app, notes.id), []);
  assert.equal((await storedKeys(app, other.id)).length, 2, "another collection's files stay");

  // The collection works as before: new records keep their files.
  await createWithFiles(app, 'notes', 'after');
  assert.equal((await storedKeys(app, notes.id)).length, 2);

  // A collection without file fields truncates as before.
  await app.collections.create({ name: 'plain', type: 'base', fields: [{ name: 'title', type: 'text' }] });
  await app.records.create('plain', { title: 'x' }, {}, SYSTEM_CONTEXT);
  assert.equal((await call('DELETE', '/api/collections/plain/truncate')).status, 204);
  assert.equal((await app.records.list('plain', {}, SYSTEM_CONTEXT)).totalItems, 0);
});
