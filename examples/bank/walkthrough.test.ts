/** The README's walkthrough, run as written against a fresh `galley serve --app examples/bank/galley.config.ts` (SQLite). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runReadmeWalkthrough } from '../../test/examples/readme-walkthrough.js';

// What a user runs: the built bin (CI builds dist/ first; after changing src/, npm run build).
process.env.GALLEY_TEST_LAUNCHER ??= 'bin';

test('examples/bank: the README walkthrough runs as written', { timeout: 300_000 }, async () => {
  const { blocks } = await runReadmeWalkthrough('examples/bank/README.md', { app: 'examples/bank/galley.config.ts', limitMs: 240_000 });
  assert.ok(blocks >= 8);
});
