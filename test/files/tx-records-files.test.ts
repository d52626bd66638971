/**
 * `tx.records.create/update(..., { files })`: uploads from app code inside `app.transaction`, on
 * SQLite and PostgreSQL with the local file store. Pins the gap this option closed (tx.records had no
 * way to attach a file, so an invoice and its PDF could not be written in one transaction) and that
 * such files get everything multipart uploads get: the field checks answered as field errors with
 * nothing stored, PocketBase's `+`/`-` modifiers, thumbnail jobs, old files removed only after the
 * commit, and stored objects deleted when the transaction (a nested one, a retried attempt) rolls back.
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import type { App } from '../../src/app/app.js';
import { SYSTEM_CONTEXT } from '../../src/auth/system-context.js';
import { isApiError } from '../../src/core/errors.js';
import { incomingFileFromBytes } from '../../src/index.js';
import type { IncomingFile } from '../../src/index.js';
import { eventually } from '../../src/testing/eventually.js';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';
import { pngImage, storedKeys } from './file-fixtures.js';

const PDF_MAX_SIZE = 2000;

function pdfBytes(text: string): Buffer {
  return Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% ${text}\ntrailer << /Root 1 0 R >>\n%%EOF\n`);
}

function pdf(text: string, key = 'pdf'): Promise<IncomingFile> {
  return incomingFileFromBytes(key, `${text}.pdf`, pdfBytes(text));
}

async function invoicesCollection(app: App): Promise<string> {
  const c = await app.collections.create({
    name: 'invoices',
    type: 'base',
    fields: [
      { name: 'title', type: 'text' },
      { name: 'pdf', type: 'file', maxSelect: 1, maxSize: PDF_MAX_SIZE, mimeTypes: ['application/pdf'] },
      { name: 'scans', type: 'file', maxSelect: 5, mimeTypes: ['image/png', 'application/pdf'] },
    ],
    viewRule: '',
  });
  return c.id;
}

async function fileBody(t: TestApp, id: string, name: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const res = await fetch(`${t.url}/api/files/invoices/${id}/${name}`);
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

class Rollback extends Error {}

eachAppDialect('tx.records create/update with files: served, modifiers, thumbnails, replaced after commit', async (t) => {
  const { app } = t;
  const cid = await invoicesCollection(app);
  const keysOf = async (id: string): Promise<string[]> => (await storedKeys(app, cid)).filter((k) => k.startsWith(`${cid}/${id}/`) && !k.includes('/thumbs_')).sort();

  // Create with a file inside a transaction, then read it back through the file route.
  const inv = await app.transaction(async (tx) => tx.records.create('invoices', { title: 'INV-1' }, { files: [await pdf('first')] }));
  const first = String(inv.pdf);
  assert.match(first, /^first_\w+\.pdf$/);
  const served = await fileBody(t, String(inv.id), first);
  assert.equal(served.status, 200);
  assert.equal(served.type, 'application/pdf');
  assert.deepEqual(served.bytes, pdfBytes('first'));

  // A replacement that rolls back: the old file stays, the new one is deleted.
  await assert.rejects(app.transaction(async (tx) => {
    await tx.records.update('invoices', String(inv.id), {}, { files: [await pdf('dropped')] });
    throw new Rollback();
  }), Rollback);
  assert.deepEqual(await keysOf(String(inv.id)), [`${cid}/${inv.id}/${first}`]);
  assert.equal((await app.transaction((tx) => tx.records.get('invoices', String(inv.id))))?.pdf, first);

  // A replacement that commits: the old file is still there until the commit, gone after it.
  const replaced = await app.transaction(async (tx) => {
    const r = await tx.records.update('invoices', String(inv.id), { title: 'INV-1b' }, { files: [await pdf('second')] });
    assert.ok(await app.files.exists(`${cid}/${inv.id}/${first}`), 'the replaced file outlives the update until the commit');
    return r;
  });
  const second = String(replaced.pdf);
  assert.match(second, /^second_\w+\.pdf$/);
  assert.deepEqual(await keysOf(String(inv.id)), [`${cid}/${inv.id}/${second}`]);
  assert.equal((await fileBody(t, String(inv.id), first)).status, 404);
  assert.deepEqual((await fileBody(t, String(inv.id), second)).bytes, pdfBytes('second'));

  // PocketBase's modifiers on a multiple field: `scans+` appends, `+scans` prepends, `scans-` removes.
  const withScans = await app.transaction(async (tx) => tx.records.update('invoices', String(inv.id), {}, {
    files: [await incomingFileFromBytes('scans', 'page1.png', await pngImage(40, 30)), await pdf('page2', 'scans')],
  }));
  const [page1, page2] = withScans.scans as string[];
  assert.ok(page1 !== undefined && page2 !== undefined);
  const appended = await app.transaction(async (tx) => tx.records.update('invoices', String(inv.id), {}, { files: [await pdf('page3', 'scans+'), await pdf('page0', '+scans')] }));
  const scans = appended.scans as string[];
  assert.equal(scans.length, 4);
  assert.match(String(scans[0]), /^page0_/);
  assert.deepEqual(scans.slice(1, 3), [page1, page2]);
  assert.match(String(scans[3]), /^page3_/);
  const removed = await app.transaction(async (tx) => tx.records.update('invoices', String(inv.id), { 'scans-': [page2, scans[0]] }));
  assert.deepEqual(removed.scans, [page1, scans[3]]);
  assert.deepEqual(await keysOf(String(inv.id)), [second, page1, String(scans[3])].map((n) => `${cid}/${inv.id}/${n}`).sort());

  // The PNG stored through tx.records got its thumbnail job like a multipart upload.
  const thumb = `${cid}/${inv.id}/thumbs_${page1}/100x100_${page1}`;
  await eventually(() => app.files.exists(thumb), 'the thumbnail of a PNG stored by tx.records.update', { timeoutMs: 20_000 });
});

eachAppDialect('tx.records with files: field errors store nothing; rollbacks (nested, retried) delete what was stored', async (t) => {
  const { app } = t;
  const cid = await invoicesCollection(app);
  const count = async (): Promise<number> => (await app.records.list('invoices', {}, SYSTEM_CONTEXT)).totalItems;

  // Too large and wrong type: a 400 with the field's error, no record, no object.
  const tooLarge = await incomingFileFromBytes('pdf', 'big.pdf', Buffer.concat([pdfBytes('big'), Buffer.alloc(PDF_MAX_SIZE, 0x20)]));
  const wrongType = await incomingFileFromBytes('pdf', 'photo.pdf', await pngImage(8, 8));
  const sixScans = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => pdf(`scan${n}`, 'scans')));
  const refusals: Array<[IncomingFile[], string, string]> = [
    [[tooLarge], 'pdf', 'validation_file_size_limit'],
    [[wrongType], 'pdf', 'validation_invalid_mime_type'],
    [sixScans, 'scans', 'validation_too_many_files'],
  ];
  for (const [files, field, code] of refusals) {
    const err: unknown = await app.transaction((tx) => tx.records.create('invoices', { title: 'bad' }, { files })).then(() => undefined, (e: unknown) => e);
    assert.ok(isApiError(err), `${code}: ${String(err)}`);
    assert.equal(err.status, 400);
    assert.equal((err.data as Record<string, { code: string }>)[field]?.code, code);
  }
  // Caught inside the transaction, the refused write leaves nothing while the rest commits.
  await app.transaction(async (tx) => {
    await assert.rejects(tx.records.update('invoices', String((await tx.records.create('invoices', { title: 'ok' })).id), {}, { files: [wrongType] }), /Failed to update record/);
  });
  assert.equal(await count(), 1);
  assert.deepEqual(await storedKeys(app, cid), []);

  // A rollback after the upload deletes the stored file with the record.
  await assert.rejects(app.transaction(async (tx) => {
    const r = await tx.records.create('invoices', { title: 'rolled back' }, { files: [await pdf('rolled')] });
    assert.ok(await app.files.exists(`${cid}/${r.id}/${r.pdf}`), 'stored before the transaction ends');
    throw new Rollback();
  }), Rollback);
  assert.equal(await count(), 1);
  assert.deepEqual(await storedKeys(app, cid), []);

  // Nested: the inner transaction that fails alone loses its file, the outer one's stays; an inner
  // one that succeeded is undone, files included, with the outer one.
  let outerId = '';
  let innerId = '';
  await app.transaction(async (tx) => {
    outerId = String((await tx.records.create('invoices', { title: 'outer' }, { files: [await pdf('outer')] })).id);
    await assert.rejects(app.transaction(async (inner) => {
      innerId = String((await inner.records.create('invoices', { title: 'inner' }, { files: [await pdf('inner')] })).id);
      throw new Rollback();
    }), Rollback);
  });
  assert.equal((await storedKeys(app, cid)).filter((k) => k.startsWith(`${cid}/${outerId}/`)).length, 1);
  assert.deepEqual((await storedKeys(app, cid)).filter((k) => k.startsWith(`${cid}/${innerId}/`)), []);
  await assert.rejects(app.transaction(async () => {
    await app.transaction(async (inner) => {
      innerId = String((await inner.records.create('invoices', { title: 'inner ok' }, { files: [await pdf('innerok')] })).id);
    });
    throw new Rollback();
  }), Rollback);
  assert.deepEqual((await storedKeys(app, cid)).filter((k) => k.startsWith(`${cid}/${innerId}/`)), []);

  if (app.db.dialect === 'postgres') {
    // A serializable transaction that conflicts runs again: the first attempt's create and
    // replacement are deleted, the committed attempt's files stay, the replaced one goes.
    const before = await app.transaction((tx) => tx.records.get('invoices', outerId));
    const attempts: Array<{ created: string; replacement: string }> = [];
    const file = await pdf('retried');
    await app.transaction(async (tx) => {
      const created = await tx.records.create('invoices', { title: `attempt ${attempts.length}` }, { files: [file] });
      const updated = await tx.records.update('invoices', outerId, {}, { files: [file] });
      attempts.push({ created: `${cid}/${created.id}/${created.pdf}`, replacement: `${cid}/${outerId}/${updated.pdf}` });
      if (attempts.length === 1) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
    }, { isolation: 'serializable' });
    assert.equal(attempts.length, 2);
    const [failed, committed] = attempts as [(typeof attempts)[0], (typeof attempts)[0]];
    const keys = await storedKeys(app, cid);
    assert.ok(!keys.includes(failed.created) && !keys.includes(failed.replacement), `the failed attempt's files are gone: ${keys.join(', ')}`);
    assert.ok(keys.includes(committed.created) && keys.includes(committed.replacement));
    assert.ok(!keys.includes(`${cid}/${outerId}/${before?.pdf}`), 'the file the committed attempt replaced is gone');
  }

  const records = (await app.records.list('invoices', { perPage: 100 }, SYSTEM_CONTEXT)).items;
  const held = records.flatMap((r) => (r.pdf ? [`${cid}/${r.id}/${r.pdf}`] : [])).sort();
  assert.deepEqual((await storedKeys(app, cid)).sort(), held, 'exactly the files committed records hold remain');
});

eachAppDialect('custom route: an invoice and its generated PDF written in one transaction', async (t) => {
  const { app } = t;
  await invoicesCollection(app);
  app.routes.post('/api/invoices/issue', async (e) => {
    const body = e.body as { title: string; scan?: string };
    const files = [await incomingFileFromBytes('pdf', `${body.title}.pdf`, pdfBytes(body.title))];
    if (body.scan !== undefined) files.push(await incomingFileFromBytes('scans', 'scan', Buffer.from(body.scan, 'base64')));
    return app.transaction(async (tx) => tx.records.create('invoices', { title: body.title }, { files }));
  }, { auth: 'superuser', schema: { body: z.object({ title: z.string().min(1), scan: z.string().optional() }) } });

  const issued = await t.call('POST', '/api/invoices/issue', { body: { title: 'INV-7' } });
  assert.equal(issued.status, 200, JSON.stringify(issued.body));
  const got = await fileBody(t, issued.body.id, issued.body.pdf);
  assert.equal(got.status, 200);
  assert.deepEqual(got.bytes, pdfBytes('INV-7'));

  // A scan that is neither PNG nor PDF by its bytes: the client gets the field error, nothing is kept.
  const refused = await t.call('POST', '/api/invoices/issue', { body: { title: 'INV-8', scan: Buffer.from('just text').toString('base64') } });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.data.scans.code, 'validation_invalid_mime_type');
  assert.equal((await app.records.list('invoices', {}, SYSTEM_CONTEXT)).totalItems, 1);
  assert.equal((await storedKeys(app, String(app.collections.find('invoices')?.id))).length, 1);
});
