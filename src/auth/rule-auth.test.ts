import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Collection } from '../core/schema.js';
import { prepareRule } from '../rules/index.js';
import type { AuthRecord } from './auth-record.js';
import { amrFlags, ruleAuth } from './rule-auth.js';

test('amr flags: one per method, mfa when two different methods', () => {
  assert.deepEqual(amrFlags(['password']), { password: true, mfa: false });
  assert.deepEqual(amrFlags(['password', 'totp']), { password: true, totp: true, mfa: true });
  assert.deepEqual(amrFlags(['otp', 'otp']), { otp: true, mfa: false });
  assert.deepEqual(amrFlags([]), { mfa: false });
});

test('rules read @request.auth.amr.<method>; the record secrets never reach them', () => {
  const users = { id: 'u', name: 'users', type: 'auth', fields: [] } as unknown as Collection;
  const record = { id: 'r1', email: 'a@b.c', password: 'hash', tokenKey: 'key', verified: true, emailVisibility: false } as AuthRecord;
  const auth = ruleAuth({ collection: users, record, amr: ['password', 'totp'] });
  assert.ok(auth);
  assert.equal(auth.password, undefined);
  assert.equal(auth.tokenKey, undefined);
  const schema = { version: 1, find: (name: string) => (name === 'users' || name === 'u' ? users : undefined) };
  const request = (a: ReturnType<typeof ruleAuth>) => ({ auth: a, method: 'GET', headers: {}, query: {}, body: {}, context: 'default' as const });
  const matches = (rule: string, a: ReturnType<typeof ruleAuth>) => prepareRule(rule, { collection: users, schema }).match({ record: { id: 'x' }, request: request(a) });
  assert.equal(matches('@request.auth.amr.totp = true', auth), true);
  assert.equal(matches('@request.auth.amr.mfa = true', auth), true);
  assert.equal(matches('@request.auth.amr.otp = true', auth), false);
  const passwordOnly = ruleAuth({ collection: users, record, amr: ['password'] });
  assert.equal(matches('@request.auth.amr.mfa = true', passwordOnly), false);
  assert.equal(matches('@request.auth.amr.totp = true', null), false, 'guests have no methods');
});
