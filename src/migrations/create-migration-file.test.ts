import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { blankMigrationSource, createMigrationFile } from './create-migration-file.js';
import { loadMigration } from './load-migration.js';

test('createMigrationFile names files after the time, and always after the newest existing file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'galley-create-'));
  try {
    const now = new Date(1_700_000_000_500);
    const a = await createMigrationFile(dir, 'First one', 'export default { up() {} };', now);
    assert.equal(a.file, '1700000000_first_one.ts');
    // Same second: the next file must still sort after the first.
    const b = await createMigrationFile(dir, 'second', 'export default { up() {} };', now);
    assert.equal(b.file, '1700000001_second.ts');
    // A teammate's file from the future pushes new files after it.
    await writeFile(join(dir, '1800000000_future.ts'), '');
    const c = await createMigrationFile(dir, 'third', '', now);
    assert.equal(c.file, '1800000001_third.ts');
    assert.equal(await readFile(a.path, 'utf8'), 'export default { up() {} };');
    await assert.rejects(createMigrationFile(dir, '***', ''), /invalid migration name/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the blank template loads as a valid migration through tsx', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'galley-create-'));
  try {
    const created = await createMigrationFile(dir, 'blank', blankMigrationSource());
    const m = await loadMigration(created.path, created.file);
    assert.equal(typeof m.up, 'function');
    assert.equal(typeof m.down, 'function');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadMigration names the file when it does not load or exports no up()', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'galley-create-'));
  try {
    await writeFile(join(dir, '1_syntax.ts'), 'export default {{{');
    await writeFile(join(dir, '2_shape.ts'), 'export default { down() {} };');
    await writeFile(join(dir, '3_cjs.js'), 'module.exports = { up() {} };');
    await assert.rejects(loadMigration(join(dir, '1_syntax.ts'), '1_syntax.ts'), /migration 1_syntax\.ts cannot be loaded/);
    await assert.rejects(loadMigration(join(dir, '2_shape.ts'), '2_shape.ts'), /migration 2_shape\.ts must `export default`/);
    assert.equal(typeof (await loadMigration(join(dir, '3_cjs.js'), '3_cjs.js')).up, 'function');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
