/**
 * A direct upload (an `IncomingFile` with `storedName`: a presigned upload, or app code, put the
 * object at its final key before the write) is only linked by a record write, so a write that fails
 * or rolls back must leave the object to whoever stored it. Pins the bug where it did not: in a
 * SERIALIZABLE `app.transaction` retried after a serialization failure, the failed attempt deleted
 * the shared object (the record write's own cleanup when its UPDATE hit 40001, or the transaction's
 * rollback cleanup), and the attempt that committed left a record whose file answered 404. A plain
 * rollback deleted it too, and so did a refused write. Uploads the write stores itself are still
 * deleted (test/files/transaction-uploads.test.ts); files a committed update replaces still go.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { App } from '../../src/app/app.js';
import { SYSTEM_CONTEXT } from '../../src/auth/system-context.js';
import { recordFileKey, storedFileName } from '../../src/files/file-name.js';
import { randomRecordId } from '../../src/lib/random-string.js';
import type { IncomingFile } from '../../src/records/record-files.js';
import { deferred } from '../../src/testing/deferred.js';
import { requireService } from '../../src/testing/services.js';
import { createTestApp, eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';

class Rollback extends Error {}

/** What presigned finalize hands the record layer: the object already sits at its final key. */
async function directUpload(app: App, collectionId: string, recordId: string, text: string): Promise<{ file: IncomingFile; key: string; bytes: Buffer }> {
  const bytes = Buffer.from(`${text}\n`);
  const storedName = storedFileName(`${text}.txt`, 'txt');
  const key = recordFileKey(collectionId, recordId, storedName);
  await app.files.put(key, bytes, 'text/plain');
  const file: IncomingFile = { key: 'doc', originalName: `${text}.txt`, size: bytes.length, mime: 'text/plain', ext: 'txt', storedName, open: () => app.files.get(key) };
  return { file, key, bytes };
}

async function served(t: TestApp, id: string, name: unknown): Promise<{ status: number; bytes: Buffer }> {
  // Not kept alive: when the test ends right after a download, the server's close() can catch the
  // connection before it turns idle, then waits out its 10 s shutdown grace for it.
  const res = await fetch(`${t.url}/api/files/notes/${id}/${String(name)}`, { headers: { connection: 'close' } });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

eachAppDialect('direct uploads survive a rolled-back or refused write that only linked them', async (t) => {
  const { app } = t;
  const notes = await app.collections.create({
    name: 'notes',
    type: 'base',
    fields: [{ name: 'title', type: 'text', required: true }, { name: 'doc', type: 'file', maxSelect: 1 }],
    viewRule: '',
  });

  // A create and an update linking direct uploads, rolled back: records unchanged, objects left to
  // their uploader (presigned finalize deletes its object when its write fails; the sweep, unclaimed ones).
  const existing = (await app.records.create('notes', { title: 'existing' }, {}, SYSTEM_CONTEXT)).record;
  const newId = randomRecordId();
  const forCreate = await directUpload(app, notes.id, newId, 'create');
  const forUpdate = await directUpload(app, notes.id, String(existing.id), 'update');
  await assert.rejects(app.transaction(async (tx) => {
    await tx.records.create('notes', { id: newId, title: 'new' }, { files: [forCreate.file] });
    await app.records.update('notes', String(existing.id), {}, { files: [forUpdate.file] }, SYSTEM_CONTEXT);
    throw new Rollback();
  }), Rollback);
  assert.equal((await app.records.list('notes', {}, SYSTEM_CONTEXT)).totalItems, 1);
  assert.ok(await app.files.exists(forCreate.key), 'a rollback leaves the direct upload a create linked');
  assert.ok(await app.files.exists(forUpdate.key), 'a rollback leaves the direct upload an update linked');

  // A refused write (no title) leaves it too; linked again by a write that commits, it is served.
  await assert.rejects(app.records.create('notes', { id: newId }, { files: [forCreate.file] }, SYSTEM_CONTEXT), /Failed to create record/);
  assert.ok(await app.files.exists(forCreate.key), 'a refused write leaves the direct upload');
  const created = await app.transaction((tx) => tx.records.create('notes', { id: newId, title: 'new' }, { files: [forCreate.file] }));
  assert.deepEqual(await served(t, newId, created.doc), { status: 200, bytes: forCreate.bytes });

  // An update linking another direct upload commits: it is served, the file it replaced goes after the commit.
  const replacement = await directUpload(app, notes.id, newId, 'replacement');
  const replaced = await app.transaction((tx) => tx.records.update('notes', newId, {}, { files: [replacement.file] }));
  assert.deepEqual(await served(t, newId, replaced.doc), { status: 200, bytes: replacement.bytes });
  assert.equal(await app.files.exists(forCreate.key), false, 'the replaced file is deleted after the commit');
});

/** Whether a serialization failure is anywhere in the error's cause chain (as the retry loop looks for it). */
function isSerializationFailure(err: unknown): boolean {
  for (let e = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '40001') return true;
  }
  return false;
}

// PostgreSQL only: SQLite's single writer never fails a transaction for serialization, so never retries one.
test('a direct upload linked in a retried serializable transaction is served after the commit [postgres]', async (ctx) => {
  if (!(await requireService(ctx, 'postgres'))) return;
  const t = await createTestApp('postgres');
  try {
    await retriedLinks(t);
  } finally {
    await t.cleanup();
  }
});

async function retriedLinks(t: TestApp): Promise<void> {
  const { app } = t;
  const notes = await app.collections.create({
    name: 'notes',
    type: 'base',
    fields: [{ name: 'title', type: 'text' }, { name: 'doc', type: 'file', maxSelect: 1 }],
    viewRule: '',
  });

  // The record write itself fails: a concurrent update commits after the first attempt's snapshot,
  // so that attempt's UPDATE gets PostgreSQL's 40001, the write cleans up after itself, and the
  // transaction runs again.
  const target = String((await app.records.create('notes', { title: 'target' }, {}, SYSTEM_CONTEXT)).record.id);
  const upload = await directUpload(app, notes.id, target, 'conflicted');
  const snapshotTaken = deferred();
  const concurrentCommitted = deferred();
  const writeErrors: unknown[] = [];
  let attempts = 0;
  const linking = app.transaction(async (tx) => {
    attempts++;
    await tx.records.get('notes', target);
    if (attempts === 1) {
      snapshotTaken.resolve();
      await concurrentCommitted.promise;
    }
    return tx.records.update('notes', target, { title: `attempt ${attempts}` }, { files: [upload.file] }).catch((err: unknown) => {
      writeErrors.push(err);
      throw err;
    });
  }, { isolation: 'serializable' });
  await snapshotTaken.promise;
  await app.records.update('notes', target, { title: 'concurrent' }, {}, SYSTEM_CONTEXT);
  concurrentCommitted.resolve();
  const linked = await linking;
  assert.equal(attempts, 2);
  assert.equal(writeErrors.length, 1);
  assert.ok(isSerializationFailure(writeErrors[0]), `the first attempt's write failed with 40001: ${String(writeErrors[0])}`);
  assert.equal(linked.doc, upload.file.storedName);
  assert.deepEqual(await served(t, target, linked.doc), { status: 200, bytes: upload.bytes });

  // The attempt fails after its writes succeeded (the transaction's rollback cleanup), for a create
  // through tx.records and one through app.records in the same attempt.
  const [idA, idB] = [randomRecordId(), randomRecordId()];
  const [a, b] = [await directUpload(app, notes.id, idA, 'retried-a'), await directUpload(app, notes.id, idB, 'retried-b')];
  let runs = 0;
  const created = await app.transaction(async (tx) => {
    const ra = await tx.records.create('notes', { id: idA, title: 'a' }, { files: [a.file] });
    const rb = (await app.records.create('notes', { id: idB, title: 'b' }, { files: [b.file] }, SYSTEM_CONTEXT)).record;
    if (++runs === 1) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
    return [ra, rb] as const;
  }, { isolation: 'serializable' });
  assert.equal(runs, 2);
  assert.deepEqual(await served(t, idA, created[0].doc), { status: 200, bytes: a.bytes });
  assert.deepEqual(await served(t, idB, created[1].doc), { status: 200, bytes: b.bytes });
}
