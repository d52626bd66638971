/**
 * The official `pocketbase` JS SDK as the scenario tests use it: one client per URL (optionally
 * already holding a token) and the error a refused request rejects with.
 */
import assert from 'node:assert/strict';
import PocketBase, { ClientResponseError } from 'pocketbase';

/** An SDK client for `url`; `token` is put in its auth store as is. */
export function client(url: string, token?: string): PocketBase {
  const pb = new PocketBase(url);
  // Several requests of one test may be in flight together; the SDK would cancel all but one.
  pb.autoCancellation(false);
  if (token !== undefined) pb.authStore.save(token, null);
  return pb;
}

/** The ClientResponseError a promise rejects with (fails if it resolves). */
export async function rejectsWith(promise: Promise<unknown>): Promise<ClientResponseError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ClientResponseError, `expected a ClientResponseError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to fail');
}
