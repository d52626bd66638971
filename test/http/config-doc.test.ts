/** docs/configuration.md documents every startup option with its environment variable. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { configEnv, configOptions } from '../../src/app/config.js';

test('docs/configuration.md has a row for every config option and env var', async () => {
  const doc = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  for (const option of configOptions) {
    assert.ok(doc.includes(`| \`${option}\` | \`${configEnv[option]}\` |`), `missing row for ${option}`);
  }
});
