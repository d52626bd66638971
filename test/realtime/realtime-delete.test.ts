/**
 * Delete events and rules, on SQLite and PostgreSQL. A delete is published after commit, when the
 * row is gone; its rule is checked against the record's last state: in memory by the matcher, or,
 * when the rule needs the database (a relation path), in SQL with that state bound as a one-row
 * table (the related rows are still there).
 */
import assert from 'node:assert/strict';
import type { AuthState } from '../../src/auth/auth-record.js';
import type { RealtimeEvent } from '../../src/realtime/realtime-broker.js';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';
import { seedPosts } from './realtime-fixture.js';

const SUPERUSER: AuthState = {
  collection: { id: '_pbc_superusers', name: '_superusers', type: 'auth' } as AuthState['collection'],
  record: { id: 'su', email: '', password: '', tokenKey: '', verified: true, emailVisibility: false } as unknown as AuthState['record'],
};

/**
 * Runs `write` and returns the actions a guest subscriber of `posts/*` received for it. A superuser
 * subscribed after the guest sees every event (no rule) and is served after the guest's group, so
 * once it has the event the guest's decision is known.
 */
async function guestActions(t: TestApp, write: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const off = t.app.realtime.subscribeRecords({ auth: null, deliver: (e: RealtimeEvent) => (seen.push(String(e.action)), true) }, 'posts/*');
  const superuser = { ...SUPERUSER, collection: t.app.collections.find('_superusers')! };
  let fence: () => void = () => {};
  const fenced = new Promise<void>((resolve) => (fence = resolve));
  const offFence = t.app.realtime.subscribeRecords({ auth: superuser, deliver: () => (fence(), true) }, 'posts/*');
  try {
    await write();
    await fenced;
    return seen;
  } finally {
    off();
    offFence();
  }
}

eachAppDialect('realtime: delete events are checked against the deleted record\'s last state, in memory and in SQL', async (t) => {
  const { alice } = await seedPosts(t, 'published = true');
  const asAdmin = { auth: null, isSuperuser: true, request: { auth: null } };
  const create = async (published: boolean): Promise<string> => String((await t.app.records.create('posts', { title: 'x', published, owner: alice.id }, {}, asAdmin)).record.id);
  const remove = (id: string) => t.app.records.delete('posts', id, {}, asAdmin);

  // In memory: the deleted record's last state decides, as for create and update.
  const shown = await create(true);
  const hidden = await create(false);
  assert.deepEqual(await guestActions(t, () => remove(shown)), ['delete']);
  assert.deepEqual(await guestActions(t, () => remove(hidden)), []);

  // A relation path needs SQL (alice is not verified): create and update are decided on the row,
  // the delete on its last state, bound in place of the row.
  const rule = async (listRule: string) => {
    const patched = await t.call('PATCH', '/api/collections/posts', { body: { listRule } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
  };
  await rule('owner.verified = false && published = false');
  let post = '';
  assert.deepEqual(await guestActions(t, async () => (post = await create(false))), ['create']);
  assert.deepEqual(await guestActions(t, () => t.app.records.update('posts', post, { title: 'y' }, {}, asAdmin)), ['update']);
  assert.deepEqual(await guestActions(t, () => remove(post)), ['delete']);
  // ... and denied when the last state fails it (through the relation, or a stored value).
  await rule('owner.verified = true');
  const other = await create(false);
  assert.deepEqual(await guestActions(t, () => remove(other)), []);
  await rule('owner.verified = false && title = "z"');
  const third = await create(false);
  assert.deepEqual(await guestActions(t, () => remove(third)), []);
});
