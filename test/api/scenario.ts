/**
 * API scenarios as tables, PocketBase-style: `{name, method, url, body, headers, expectedStatus,
 * expectedContent, expectedEvents}`. Placeholders `{post}`, `{secret}`, `{owned}`, `{user}` in the
 * url, body and headers are replaced by the ids of the records seeded for the scenario. Every
 * answer >= 400 must be PocketBase's `{status, message, data}` and must leave the data untouched.
 */
import assert from 'node:assert/strict';
import type { TestApp } from '../http/test-app.js';
import type { ApiFixture } from './api-fixture.js';
import { dataSnapshot } from './api-fixture.js';

export interface Scenario {
  name: string;
  method: string;
  url: string;
  body?: unknown;
  /** Raw body text (sent as is, JSON content type unless headers say otherwise). */
  raw?: string;
  /** A FormData body (multipart). */
  form?: Array<[string, string] | [string, Blob, string]>;
  headers?: Record<string, string>;
  /** Who asks. Default superuser. */
  as?: 'superuser' | 'user' | 'guest';
  expectedStatus: number;
  /** Substrings the JSON body text must contain. */
  expectedContent?: string[];
  notExpectedContent?: string[];
  /** Record changes, in order, as `action:collection` (e.g. `create:posts`). Default none. */
  expectedEvents?: string[];
}

function fill(text: string, f: ApiFixture): string {
  return text
    .replaceAll('{post}', f.postId)
    .replaceAll('{secret}', f.secretId)
    .replaceAll('{owned}', f.ownedId)
    .replaceAll('{user}', f.userId);
}

function fillDeep(value: unknown, f: ApiFixture): unknown {
  return JSON.parse(fill(JSON.stringify(value), f));
}

export async function runScenario(t: TestApp, f: ApiFixture, s: Scenario): Promise<void> {
  const label = `${s.name} (${s.method} ${s.url})`;
  const token = s.as === 'guest' ? null : s.as === 'user' ? f.userToken : t.token;
  const headers = Object.fromEntries(Object.entries(s.headers ?? {}).map(([k, v]) => [k, fill(v, f)]));
  const url = fill(s.url, f);
  const events: string[] = [];
  const stop = t.app.records.onChange((e) => events.push(`${e.action}:${e.collection.name}`));
  const before = await dataSnapshot(t);
  let status: number;
  let body: unknown;
  try {
    if (s.form) {
      const form = new FormData();
      for (const part of s.form) {
        if (part.length === 2) form.append(part[0], fill(part[1], f));
        else form.append(part[0], part[1], part[2]);
      }
      const res = await fetch(t.url + url, { method: s.method, body: form, headers: { ...headers, ...(token ? { authorization: token } : {}) } });
      status = res.status;
      const text = await res.text();
      body = text === '' ? null : JSON.parse(text);
    } else {
      const res = await t.call(s.method, url, {
        ...(s.body === undefined ? {} : { body: fillDeep(s.body, f) }),
        ...(s.raw === undefined ? {} : { raw: fill(s.raw, f) }),
        headers,
        token,
      });
      status = res.status;
      body = res.body;
    }
  } finally {
    stop();
  }
  const text = JSON.stringify(body);
  assert.equal(status, s.expectedStatus, `${label}: status ${status}, body ${text}`);
  for (const part of s.expectedContent ?? []) assert.ok(text.includes(fill(part, f)), `${label}: missing ${part} in ${text}`);
  for (const part of s.notExpectedContent ?? []) assert.ok(!text.includes(fill(part, f)), `${label}: unexpected ${part} in ${text}`);
  assert.deepEqual(events, s.expectedEvents ?? [], `${label}: events`);
  if (status >= 400) {
    assertErrorShape(body, status, label);
    assert.equal(await dataSnapshot(t), before, `${label}: a failed request changed data`);
  }
}

export function assertErrorShape(body: unknown, status: number, label: string): void {
  assert.ok(typeof body === 'object' && body !== null && !Array.isArray(body), `${label}: error body is not an object: ${JSON.stringify(body)}`);
  const e = body as Record<string, unknown>;
  assert.equal(e.status, status, `${label}: error status`);
  assert.equal(typeof e.message, 'string', `${label}: error message`);
  assert.ok(typeof e.data === 'object' && e.data !== null && !Array.isArray(e.data), `${label}: error data`);
  assert.deepEqual(Object.keys(e).sort(), ['data', 'message', 'status'], `${label}: error keys`);
}
