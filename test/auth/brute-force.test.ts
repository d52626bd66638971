/**
 * Brute-force protection is always on: 50 wrong passwords in a row are cut off with 429 and
 * `Retry-After`, and the right password works again once the backoff has passed (never a
 * permanent lockout). The backoff base is tiny here so the test waits milliseconds, not minutes.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';

// maxMs is long enough that the "refused while blocked" request arrives inside the block even on a
// saturated machine (300 ms was not), and short enough to wait out below.
const options = { open: { bruteForce: { baseMs: 20, maxMs: 3000 } } };

async function signUp(t: TestApp, email: string, password: string): Promise<void> {
  const res = await t.call('POST', '/api/collections/users/records', { body: { email, password, passwordConfirm: password }, token: null });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

const login = (t: TestApp, identity: string, password: string, ip = '') =>
  t.call('POST', '/api/collections/users/auth-with-password', {
    body: { identity, password },
    token: null,
    ...(ip ? { headers: { 'x-real-ip': ip } } : {}),
  });

eachAppDialect(
  '50 wrong passwords are cut off by 429 with Retry-After; the right one works after the backoff',
  async (t) => {
    await signUp(t, 'hal@example.com', 'hal password');
    // Client IPs from X-Real-IP (a trusted proxy), so two clients can be told apart.
    await t.call('PATCH', '/api/settings', { body: { trustedProxy: { headers: ['X-Real-IP'], useLeftmostIP: false } } });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 50; i++) {
      const res = await login(t, 'hal@example.com', `wrong ${i}`, '198.51.100.7');
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        assert.deepEqual(res.body, { status: 429, message: 'Too many failed attempts, please try again later.', data: {} });
      }
    }
    assert.deepEqual(statuses.slice(0, 5), [400, 400, 400, 400, 400], 'the first attempts are ordinary failures');
    assert.ok(statuses.includes(429), `some attempts were cut off: ${statuses.join(',')}`);
    assert.match(retryAfter ?? '', /^[1-9]\d*$/, 'Retry-After in whole seconds');

    // While blocked even the right password is refused (the guard runs before any check).
    await t.app.auth.guard.recordFailure({ kind: 'password', identity: '_pb_users_auth_:hal@example.com', ip: '' });
    assert.equal((await login(t, 'hal@example.com', 'hal password')).status, 429);

    // Once the backoff (at most maxMs = 3 s here) has passed, the right password works.
    const deadline = Date.now() + 20_000;
    let res = await login(t, 'hal@example.com', 'hal password');
    while (res.status === 429 && Date.now() < deadline) {
      await sleep(50);
      res = await login(t, 'hal@example.com', 'hal password');
    }
    assert.equal(res.status, 200, JSON.stringify(res.body));

    // Another identity from another client is not affected by hal's attacker.
    await signUp(t, 'ivy@example.com', 'ivy password');
    assert.equal((await login(t, 'ivy@example.com', 'ivy password', '203.0.113.9')).status, 200);
  },
  options,
);

eachAppDialect('backoff grows exponentially and is capped; a success clears the identity', async (t) => {
  const guard = t.app.auth.guard;
  const subject = { kind: 'password' as const, identity: 'test:backoff', ip: '' };
  const { identityFreeAttempts, baseMs, maxMs } = guard.options;
  assert.equal(identityFreeAttempts, 5);
  assert.equal(baseMs, 1000);
  assert.equal(maxMs, 600_000);
  for (let i = 0; i < identityFreeAttempts; i++) await guard.recordFailure(subject);
  await guard.assertAllowed(subject);
  const waits: number[] = [];
  for (let i = 0; i < 3; i++) {
    await guard.recordFailure(subject);
    waits.push(await t.app.auth.counters.blockedFor('bf:password:id:test:backoff:block'));
  }
  // Remaining block times: each doubles (1 s, 2 s, 4 s); the lower bounds leave a second for a slow machine.
  assert.ok(waits[0]! > 0 && waits[0]! <= 1000, String(waits));
  assert.ok(waits[1]! > 1000 && waits[1]! <= 2000, String(waits));
  assert.ok(waits[2]! > 3000 && waits[2]! <= 4000, String(waits));
  for (let i = 0; i < 30; i++) await guard.recordFailure(subject);
  assert.ok((await t.app.auth.counters.blockedFor('bf:password:id:test:backoff:block')) <= maxMs, 'capped');
  await assert.rejects(guard.assertAllowed(subject), (err: { status: number; headers: Record<string, string> }) => {
    assert.equal(err.status, 429);
    assert.ok(Number(err.headers['retry-after']) >= 1);
    return true;
  });
  await guard.recordSuccess(subject);
  await guard.assertAllowed(subject);
});
