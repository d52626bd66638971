import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { listMigrationFiles, parseMigrationFileName, slugifyMigrationName } from './migration-file.js';

test('parseMigrationFileName accepts <seconds>_<name>.<ts|mts|js|mjs> only', () => {
  assert.deepEqual(parseMigrationFileName('1700000000_add_posts.ts'), {
    file: '1700000000_add_posts.ts',
    timestamp: 1700000000,
    name: 'add_posts',
  });
  for (const ok of ['1_x.js', '1_x.mjs', '1_x.mts', '1700000000_created_posts.ts']) {
    assert.ok(parseMigrationFileName(ok), ok);
  }
  for (const bad of ['add_posts.ts', '1700000000_x.d.ts', '1700000000_.ts', '1700000000_x.json', 'README.md', '1700000000_x.ts~']) {
    assert.equal(parseMigrationFileName(bad), undefined, bad);
  }
});

test('listMigrationFiles sorts by name and ignores other files; a missing folder is empty', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'galley-migfiles-'));
  try {
    for (const f of ['1700000002_b.ts', '1700000001_a.js', 'notes.md', '1700000001_a.d.ts', '1700000010_c.mts']) {
      await writeFile(join(dir, f), '');
    }
    assert.deepEqual(
      (await listMigrationFiles(dir)).map((f) => f.file),
      ['1700000001_a.js', '1700000002_b.ts', '1700000010_c.mts'],
    );
    assert.deepEqual(await listMigrationFiles(join(dir, 'missing')), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('slugifyMigrationName keeps lowercase words joined by _', () => {
  assert.equal(slugifyMigrationName(' Add Posts & Comments! '), 'add_posts_comments');
  assert.equal(slugifyMigrationName('!!'), '');
});
