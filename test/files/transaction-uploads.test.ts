/**
 * Uploads stored by record writes inside `app.transaction` go when the transaction rolls back
 * (regression: the record vanished with the rollback, its stored object stayed in the file store).
 * The record's own write is a savepoint there, so it committed from the record layer's point of view.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { App } from '../../src/app/app.js';
import { SYSTEM_CONTEXT } from '../../src/auth/system-context.js';
import type { IncomingFile } from '../../src/records/record-files.js';
import { eachAppDialect } from '../http/test-app.js';
import { storedKeys } from './file-fixtures.js';

function textFile(content: string): IncomingFile {
  const bytes = Buffer.from(content);
  return { key: 'doc', originalName: `${content}.txt`, size: bytes.length, mime: 'text/plain', ext: 'txt', open: async () => Readable.from([bytes]) };
}

function createDoc(app: App, title: string): Promise<string> {
  return app.records.create('notes', { title }, { files: [textFile(title)] }, SYSTEM_CONTEXT).then((r) => String(r.record.id));
}

class Rollback extends Error {}

eachAppDialect('uploads stored inside app.transaction are deleted when it rolls back', async ({ app }) => {
  const notes = await app.collections.create({
    name: 'notes',
    type: 'base',
    fields: [{ name: 'title', type: 'text' }, { name: 'doc', type: 'file', maxSelect: 1 }],
  });
  const keysOf = async (id: string): Promise<string[]> => (await storedKeys(app, notes.id)).filter((k) => k.startsWith(`${notes.id}/${id}/`));

  // Create, then roll back: no record, no object.
  await assert.rejects(app.transaction(async () => {
    await createDoc(app, 'dropped');
    throw new Rollback();
  }), Rollback);
  assert.equal((await app.records.list('notes', {}, SYSTEM_CONTEXT)).totalItems, 0);
  assert.deepEqual(await storedKeys(app, notes.id), []);

  // A committed transaction keeps its file.
  const kept = await app.transaction(() => createDoc(app, 'kept'));
  assert.equal((await keysOf(kept)).length, 1);

  // An update that rolls back keeps the old file and removes the new one.
  const before = await keysOf(kept);
  await assert.rejects(app.transaction(async () => {
    await app.records.update('notes', kept, {}, { files: [textFile('replacement')] }, SYSTEM_CONTEXT);
    throw new Rollback();
  }), Rollback);
  assert.deepEqual(await keysOf(kept), before);

  // Nested: an inner transaction that fails alone loses its file; the outer one's stays.
  let outerId = '';
  let innerId = '';
  await app.transaction(async () => {
    outerId = await createDoc(app, 'outer');
    await assert.rejects(app.transaction(async () => {
      innerId = await createDoc(app, 'inner');
      throw new Rollback();
    }), Rollback);
  });
  assert.equal((await keysOf(outerId)).length, 1);
  assert.deepEqual(await keysOf(innerId), []);

  // Nested: an inner transaction that succeeded is undone with the outer one, files included.
  await assert.rejects(app.transaction(async () => {
    await app.transaction(async () => {
      innerId = await createDoc(app, 'inner-ok');
    });
    throw new Rollback();
  }), Rollback);
  assert.deepEqual(await keysOf(innerId), []);

  let committed = 2;
  if (app.db.dialect === 'postgres') {
    // A serializable transaction that conflicts runs again: the failed attempt's files go, the last one's stay.
    const ids: string[] = [];
    await app.transaction(async () => {
      ids.push(await createDoc(app, `attempt${ids.length}`));
      if (ids.length === 1) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
    }, { isolation: 'serializable' });
    assert.equal(ids.length, 2);
    assert.deepEqual(await keysOf(ids[0] as string), []);
    assert.equal((await keysOf(ids[1] as string)).length, 1);
    committed++;
  }

  const all = await storedKeys(app, notes.id);
  assert.equal(all.length, committed, `only the committed records' files remain: ${all.join(', ')}`);
});
