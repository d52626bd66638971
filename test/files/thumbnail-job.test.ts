/**
 * New images get their thumbnails from the `files.thumbnail` job after the write commits (the
 * default 100x100 and the field's listed sizes), without any request asking for them; a write that
 * rolls back enqueues nothing. SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { eachAppDialect } from '../http/test-app.js';
import { pngImage, storedKeys } from './file-fixtures.js';

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  // A guard against a job that never runs, not a timing assertion.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

eachAppDialect('files.thumbnail job makes the thumbnails of new images after commit', async (t) => {
  const created = await t.call('POST', '/api/collections', {
    body: {
      name: 'gallery',
      fields: [
        { name: 'title', type: 'text', max: 5 },
        { name: 'pic', type: 'file', maxSelect: 2, thumbs: ['20x20t'] },
      ],
      createRule: '',
      viewRule: '',
    },
  });
  assert.equal(created.status, 200);
  const cid = created.body.id as string;
  const form = new FormData();
  form.append('pic', new Blob([await pngImage(64, 48)]), 'a.png');
  form.append('pic', new Blob(['not an image']), 'notes.txt');
  const res = await fetch(`${t.url}/api/collections/gallery/records`, { method: 'POST', body: form });
  const rec = (await res.json()) as { id: string; pic: string[] };
  assert.equal(res.status, 200);
  const [png] = rec.pic;
  const expected = ['100x100', '20x20t'].map((s) => `${cid}/${rec.id}/thumbs_${png}/${s}_${png}`).sort();
  const thumbs = await waitFor('the thumbnails', async () => {
    const keys = (await storedKeys(t.app, cid)).filter((k) => k.includes('/thumbs_')).sort();
    return keys.length === expected.length ? keys : undefined;
  });
  assert.deepEqual(thumbs, expected);

  // a failed write (title too long) stores nothing and leaves no job behind
  const bad = new FormData();
  bad.append('title', 'too long');
  bad.append('pic', new Blob([await pngImage(10, 10)]), 'b.png');
  assert.equal((await fetch(`${t.url}/api/collections/gallery/records`, { method: 'POST', body: bad })).status, 400);
  const jobs = await t.app.jobs.list({ kind: 'files.thumbnail', page: 1, perPage: 50 });
  assert.equal(jobs.items.length, 1);
});
