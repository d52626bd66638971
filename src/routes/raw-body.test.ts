// `{ rawBody: true }` custom routes get the body's exact bytes beside the parsed body (for webhook
// signatures); other routes get none, and the body limit still applies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../test/http/test-app.js';

test('custom routes: e.rawBody holds the exact bytes only when the route asks for it', async () => {
  const t = await createTestApp('sqlite', { config: { bodyLimit: 4096 } });
  try {
    const seen: Array<{ raw: string | undefined; body: unknown }> = [];
    t.app.routes.post('/api/hooks/raw', (e) => {
      seen.push({ raw: e.rawBody?.toString('utf8'), body: e.body });
      return { bytes: e.rawBody?.length };
    }, { rawBody: true });
    t.app.routes.post('/api/hooks/plain', (e) => ({ raw: e.rawBody === undefined }));

    // Spacing and key order a re-serialisation would lose; a multi-byte character split anywhere.
    const text = '{ "b":1,\n  "a": "caf\u00e9 \u2603" }';
    const res = await t.call('POST', '/api/hooks/raw', { raw: text, token: null });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.bytes, Buffer.byteLength(text));
    assert.equal(seen[0]?.raw, text);
    assert.deepEqual(seen[0]?.body, { b: 1, a: 'caf\u00e9 \u2603' });

    const empty = await t.call('POST', '/api/hooks/raw', { token: null, headers: { 'content-type': 'text/plain' } });
    assert.equal(empty.status, 200, JSON.stringify(empty.body));
    assert.equal(empty.body.bytes, 0);

    const plain = await t.call('POST', '/api/hooks/plain', { body: { x: 1 }, token: null });
    assert.deepEqual(plain.body, { raw: true });

    const big = await t.call('POST', '/api/hooks/raw', { raw: JSON.stringify({ pad: 'x'.repeat(8000) }), token: null });
    assert.equal(big.status, 413);
    assert.equal(seen.length, 2);
  } finally {
    await t.cleanup();
  }
});
