/**
 * `records.export` on a real node, both databases: more records than one page, a filter and a sort
 * in the rule language, CSV and JSON output read back from file storage and over HTTP, progress,
 * hidden fields for superusers only, and a non-superuser requester's listRule.
 */
import assert from 'node:assert/strict';
import type { App } from '../../app/app.js';
import { GUEST } from '../../rules/index.js';
import { RECORDS_EXPORT_KIND } from './records-export.js';
import type { RecordsExportResult } from './records-export.js';
import { eachAppDialect } from '../../../test/http/test-app.js';
import { waitForJob } from '../../../test/mail/wait-for-job.js';

const asSuperuser = { auth: null, isSuperuser: true, request: GUEST };
const PAGE = 40;
const COUNT = PAGE * 3 + 17;

async function readFile(app: App, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await app.files.get(key)) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

eachAppDialect('records.export streams a filtered, sorted collection to CSV and JSON with progress', async ({ app, call }) => {
  await app.collections.create({
    name: 'orders',
    type: 'base',
    listRule: 'public = true',
    fields: [
      { name: 'title', type: 'text' },
      { name: 'amount', type: 'number' },
      { name: 'public', type: 'bool' },
      { name: 'tags', type: 'json' },
      { name: 'secret', type: 'text', hidden: true },
    ],
  });
  await app.db.transaction(async () => {
    for (let i = 0; i < COUNT; i++) {
      const title = i === 3 ? 'say "hi", =SUM(A1)\nline two' : i === 5 ? '=1+1' : `order ${String(i).padStart(4, '0')}`;
      await app.records.create('orders', { title, amount: i, public: i % 2 === 0, tags: i === 3 ? ['a', 'b'] : null, secret: `s${i}` }, {}, asSuperuser);
    }
  });

  // CSV of a filtered collection (keyset pages), over HTTP, as the superuser
  const res = await call('POST', '/api/jobs/export', { body: { collection: 'orders', format: 'csv', filter: 'amount >= 2', fields: ['title', 'amount', 'tags', 'secret'] } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.kind, RECORDS_EXPORT_KIND);
  assert.equal(res.body.queue, 'reports');
  const job = await waitForJob(app, res.body.id);
  assert.equal(job.state, 'completed', job.lastError ?? '');
  const result = job.result as RecordsExportResult;
  assert.equal(result.rows, COUNT - 2);
  assert.deepEqual(job.progress && [job.progress.done, job.progress.total], [COUNT - 2, COUNT - 2]);
  const csv = await readFile(app, result.fileKey);
  const lines = csv.split('\r\n');
  assert.equal(lines[0], 'title,amount,tags,secret');
  // without a sort, records come in primary key order (keyset pages)
  assert.ok(lines.includes(`"say ""hi"", =SUM(A1)\nline two",3,"[""a"",""b""]",s3`), 'quoted, JSON cell');
  assert.ok(lines.includes(`'=1+1,5,,s5`), 'a formula neutralised');
  assert.ok(lines.includes('order 0002,2,,s2'));
  assert.ok(!lines.some((l) => l.startsWith('order 0001,')), 'filtered out');
  assert.equal(lines.length, COUNT - 2 + 2, 'header, rows, and the empty string after the last CRLF');
  const amounts = lines.slice(1, -1).map((l) => Number(l.split(',').at(-3)));
  assert.equal(new Set(amounts).size, COUNT - 2, 'no record twice across pages');

  const file = await call('GET', `/api/jobs/${job.id}/file`);
  assert.equal(file.status, 200);
  assert.match(file.headers.get('content-type') ?? '', /^text\/csv/);
  assert.match(file.headers.get('content-disposition') ?? '', /attachment; filename="orders\.csv"/);
  assert.equal(file.body, csv);

  // JSON, sorted (offset pages), through the queue API directly
  const sorted = await app.jobs.enqueue(RECORDS_EXPORT_KIND, {
    collection: 'orders', format: 'json', sort: '-amount', filter: 'amount < 110',
    auth: { collectionId: (await app.collections.findFresh('_superusers'))!.id, id: (await app.db.get<{ id: string }>('SELECT "id" FROM "_superusers" LIMIT 1'))!.id },
  });
  const sortedJob = await waitForJob(app, sorted.id);
  assert.equal(sortedJob.state, 'completed', sortedJob.lastError ?? '');
  const items = JSON.parse(await readFile(app, (sortedJob.result as RecordsExportResult).fileKey)) as Array<Record<string, unknown>>;
  assert.equal(items.length, 110);
  assert.deepEqual(items.slice(0, 2).map((r) => r.amount), [109, 108]);
  assert.deepEqual(Object.keys(items[0]!), ['id', 'title', 'amount', 'public', 'tags', 'secret', 'created', 'updated'], 'all fields, hidden ones for superusers');

  // a member exports under the collection's listRule, without hidden fields
  const members = await app.collections.create({ name: 'members', type: 'auth', fields: [] });
  const member = await app.records.create('members', { email: 'm@example.com', password: 'a-long-password', passwordConfirm: 'a-long-password' }, {}, asSuperuser);
  const own = await app.jobs.enqueue(RECORDS_EXPORT_KIND, { collection: 'orders', format: 'json', auth: { collectionId: members.id, id: member.record.id } });
  const ownJob = await waitForJob(app, own.id);
  assert.equal(ownJob.state, 'completed', ownJob.lastError ?? '');
  const visible = JSON.parse(await readFile(app, (ownJob.result as RecordsExportResult).fileKey)) as Array<Record<string, unknown>>;
  assert.equal(visible.length, Math.ceil(COUNT / 2));
  assert.ok(visible.every((r) => r.public === true && !('secret' in r)));

  // bad requests are 400s naming the field; a job without a file has nothing to download
  const bad = await call('POST', '/api/jobs/export', { body: { collection: 'nope', format: 'xml', fields: 'x' } });
  assert.equal(bad.status, 400);
  assert.deepEqual(Object.keys(bad.body.data).sort(), ['collection', 'format']);
  assert.equal((await call('POST', '/api/jobs/export', { body: { collection: 'orders', fields: ['nope'] } })).status, 400);
  assert.equal((await call('GET', `/api/jobs/${own.id}x/file`)).status, 404);

  // a bad filter fails the job with the rule language's message, not a crash
  const broken = await app.jobs.enqueue(RECORDS_EXPORT_KIND, { collection: 'orders', format: 'csv', filter: 'nosuchfield = 1', auth: ownJob.payload && (ownJob.payload as { auth: unknown }).auth }, { maxAttempts: 1 });
  const brokenJob = await waitForJob(app, broken.id);
  assert.equal(brokenJob.state, 'dead');
  assert.match(brokenJob.lastError ?? '', /filter/i);
  assert.equal((await call('GET', `/api/jobs/${broken.id}/file`)).status, 404);
}, { open: { builtinJobKinds: { exportPageSize: PAGE } } });
