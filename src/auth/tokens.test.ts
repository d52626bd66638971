import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { peekClaims, signToken, signingKey, verifyToken } from './tokens.js';

const key = signingKey('record-token-key', 'collection-secret');
// jose takes the key as bytes: the UTF-8 of the text key, which is what node:crypto signs with.
const keyBytes = new TextEncoder().encode(key);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

test('signed auth tokens verify with the same key and carry PocketBase claims', async () => {
  const token = signToken({ id: 'abc', type: 'auth', collectionId: 'pbc_1', refreshable: true }, key, 60);
  const claims = await verifyToken(token, key, 'auth');
  assert.equal(claims?.id, 'abc');
  assert.equal(claims?.collectionId, 'pbc_1');
  assert.equal(claims?.refreshable, true);
  assert.ok(claims && claims.exp > Date.now() / 1000);
  assert.deepEqual(peekClaims(token), claims);
});

test('another key, another type, expiry or garbage fail verification', async () => {
  const token = signToken({ id: 'abc', type: 'auth', collectionId: 'pbc_1' }, key, 60);
  assert.equal(await verifyToken(token, signingKey('rotated', 'collection-secret'), 'auth'), undefined);
  assert.equal(await verifyToken(token, key, 'file'), undefined);
  const expired = signToken({ id: 'abc', type: 'auth', collectionId: 'pbc_1' }, key, -120);
  assert.equal(await verifyToken(expired, key, 'auth'), undefined);
  for (const bad of ['', 'x', 'a.b.c', `${token}x`]) {
    assert.equal(await verifyToken(bad, key, 'auth'), undefined);
  }
  assert.equal(peekClaims('a.b.c'), undefined);
  assert.equal(peekClaims('not a token'), undefined);
});

// Tokens are signed with node:crypto since jose's WebCrypto HMAC was most of an authenticated
// request's CPU; these pin that both sides still agree with a JWT library on the same rules.
test('tokens interoperate with jose in both directions, byte for byte', async () => {
  const { SignJWT, jwtVerify } = await import('jose');
  const exp = Math.floor(Date.now() / 1000) + 60;
  const claims = { id: 'abc', type: 'auth', collectionId: 'pbc_1', refreshable: true };
  const fromJose = await new SignJWT({ ...claims, exp }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(keyBytes);
  assert.equal((await verifyToken(fromJose, key, 'auth'))?.id, 'abc');
  const ours = signToken({ id: 'abc', type: 'auth', collectionId: 'pbc_1', refreshable: true }, key, 60);
  const { payload } = await jwtVerify(ours, keyBytes, { algorithms: ['HS256'], requiredClaims: ['exp'] });
  assert.equal(payload.id, 'abc');
  if ((payload.exp as number) === exp) assert.equal(ours, fromJose);
});

test('verification refuses what jose refused: other algorithms, crit, nbf ahead, no exp, tampering', async () => {
  const { SignJWT } = await import('jose');
  const now = Math.floor(Date.now() / 1000);
  const sign = (header: Record<string, unknown>, payload: Record<string, unknown>) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'HS256', ...header }).sign(keyBytes);
  const base = { id: 'abc', type: 'auth', collectionId: 'pbc_1' };
  const critInput = `${b64({ alg: 'HS256', crit: ['x'], x: 1 })}.${b64({ ...base, exp: now + 60 })}`;
  assert.equal(await verifyToken(`${critInput}.${createHmac('sha256', key).update(critInput).digest('base64url')}`, key, 'auth'), undefined);
  assert.equal(await verifyToken(await sign({}, { ...base, exp: now + 60, nbf: now + 600 }), key, 'auth'), undefined);
  assert.equal(await verifyToken(await sign({}, { ...base, exp: now + 60, nbf: now - 1 }), key, 'auth').then((c) => c?.id), 'abc');
  assert.equal(await verifyToken(await sign({}, base), key, 'auth'), undefined, 'exp is required');
  assert.equal(await verifyToken(await sign({}, { ...base, exp: String(now + 60) }), key, 'auth'), undefined);
  const hs384 = await new SignJWT({ ...base, exp: now + 60 }).setProtectedHeader({ alg: 'HS384' }).sign(new Uint8Array(48).fill(1));
  assert.equal(await verifyToken(hs384, new Uint8Array(48).fill(1), 'auth'), undefined);
  const good = signToken(base as { id: string; type: 'auth'; collectionId: string }, key, 60);
  const [h, p, s] = good.split('.') as [string, string, string];
  const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
  assert.equal(await verifyToken(unsigned, key, 'auth'), undefined);
  const otherPayload = Buffer.from(JSON.stringify({ ...base, id: 'xyz', exp: now + 60 })).toString('base64url');
  assert.equal(await verifyToken(`${h}.${otherPayload}.${s}`, key, 'auth'), undefined);
  assert.equal(await verifyToken(`${h}.${p}.${s}=`, key, 'auth'), undefined, 'another spelling of the signature');
  assert.equal(await verifyToken(`${h}.${p}.${s.slice(0, -1)}\u0141`, key, 'auth'), undefined);
});
