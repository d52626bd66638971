/** docs/settings.md documents every settings section and key of `defaultSettings()`. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { defaultSettings } from '../../src/settings/settings-schema.js';

test('docs/settings.md has a row for every settings section and key', async () => {
  const doc = await readFile(new URL('../../docs/settings.md', import.meta.url), 'utf8');
  const rows = doc.split('\n').filter((line) => line.startsWith('|'));
  // Rows of a section: its first row names it, the following rows leave the section cell empty.
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const row of rows) {
    const cells = row.split('|').map((c) => c.trim());
    const section = /^`(\w+)`$/.exec(cells[1] ?? '')?.[1];
    if (section) sections.set(section, (current = []));
    else if (cells[1] !== '') current = undefined;
    current?.push(cells[2] ?? '');
  }
  for (const [section, values] of Object.entries(defaultSettings())) {
    const keys = sections.get(section);
    assert.ok(keys, `missing section ${section}`);
    for (const key of Object.keys(values as object)) {
      assert.ok(keys.some((cell) => cell.includes(`\`${key}\``)), `missing row for ${section}.${key}`);
    }
  }
});
