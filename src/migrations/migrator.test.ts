import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../db/database.js';
import { openDatabase } from '../db/open-database.js';
import { CollectionService } from '../records/collection-service.js';
import { eachDatabase } from '../testing/databases.js';
import { Migrator } from './migrator.js';

const createNotes = (name: string) => `
export default {
  async up(app) {
    await app.collections.create({ name: '${name}', type: 'base', fields: [{ name: 'text', type: 'text' }] });
  },
  async down(app) {
    await app.collections.delete('${name}');
  },
};
`;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'galley-migrator-'));
}

async function services(db: Database): Promise<CollectionService> {
  const collections = new CollectionService(db);
  await collections.ensureSystemCollections();
  return collections;
}

eachDatabase('Migrator applies pending files in name order, once, and reverts newest first', async (db) => {
  const dir = await tempDir();
  try {
    await writeFile(join(dir, '1700000002_second.ts'), createNotes('second'));
    await writeFile(join(dir, '1700000001_first.ts'), createNotes('first'));
    const collections = await services(db);
    const migrator = new Migrator({ db, collections, dir });

    let status = await migrator.status();
    assert.deepEqual(status.pending.map((p) => p.file), ['1700000001_first.ts', '1700000002_second.ts']);
    assert.deepEqual(status.applied, []);

    const seen: string[] = [];
    assert.deepEqual(await migrator.up((f) => seen.push(f)), ['1700000001_first.ts', '1700000002_second.ts']);
    assert.deepEqual(seen, ['1700000001_first.ts', '1700000002_second.ts']);
    assert.ok(collections.find('first') && collections.find('second'));
    assert.deepEqual(await migrator.up(), [], 'a second run applies nothing');

    status = await migrator.status();
    assert.deepEqual(status.applied.map((a) => [a.file, a.missing]), [
      ['1700000001_first.ts', false],
      ['1700000002_second.ts', false],
    ]);
    assert.match(status.applied[0]?.applied ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$/);

    // A file older than the applied ones (a merged branch) is still pending and applied.
    await writeFile(join(dir, '1600000000_older.ts'), createNotes('older'));
    assert.deepEqual(await migrator.up(), ['1600000000_older.ts']);

    assert.deepEqual(await migrator.down(), ['1700000002_second.ts']);
    assert.equal(collections.find('second'), undefined);
    assert.deepEqual(await migrator.down(5), ['1700000001_first.ts', '1600000000_older.ts']);
    assert.equal(collections.find('first'), undefined);
    assert.deepEqual((await migrator.status()).applied, []);
    const tables = await db.all('SELECT "file" FROM "_migrations"');
    assert.deepEqual(tables, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

eachDatabase('a failing migration is rolled back whole, names its file and stops the run', async (db) => {
  const dir = await tempDir();
  try {
    await writeFile(join(dir, '1700000001_ok.ts'), createNotes('ok'));
    await writeFile(
      join(dir, '1700000002_broken.ts'),
      `export default {
        async up(app) {
          await app.collections.create({ name: 'half', type: 'base', fields: [] });
          await app.db.run('INSERT INTO "half" ("id") VALUES (?)', ['aaaaaaaaaaaaaaa']);
          throw new Error('boom on purpose');
        },
      };`,
    );
    await writeFile(join(dir, '1700000003_after.ts'), createNotes('after'));
    const collections = await services(db);
    const migrator = new Migrator({ db, collections, dir });
    await assert.rejects(migrator.up(), (err: Error) => {
      assert.equal(err.name, 'MigrationError');
      assert.match(err.message, /^migration 1700000002_broken\.ts failed and was rolled back: boom on purpose$/);
      return true;
    });
    assert.ok(collections.find('ok'), 'the file before it stays applied');
    assert.equal(collections.find('half'), undefined, 'the cache forgot the rolled back collection');
    assert.equal(collections.find('after'), undefined, 'files after it did not run');
    const rows = await db.all<{ file: string }>('SELECT "file" FROM "_migrations" ORDER BY "file"');
    assert.deepEqual(rows.map((r) => r.file), ['1700000001_ok.ts']);
    const stored = await db.all('SELECT "id" FROM "_collections" WHERE "name" = ?', ['half']);
    assert.deepEqual(stored, []);
    // The table is gone too (DDL is transactional on both engines).
    await assert.rejects(db.all('SELECT * FROM "half"'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

eachDatabase('validation errors from the collection service show their field errors', async (db) => {
  const dir = await tempDir();
  try {
    await writeFile(
      join(dir, '1700000001_invalid.ts'),
      `export default { async up(app) { await app.collections.create({ name: 'bad name!', type: 'base' }); } };`,
    );
    const migrator = new Migrator({ db, collections: await services(db), dir });
    await assert.rejects(migrator.up(), /migration 1700000001_invalid\.ts failed and was rolled back: .*name: /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

eachDatabase('down refuses files without down() and applied files that are gone', async (db) => {
  const dir = await tempDir();
  try {
    await writeFile(join(dir, '1700000001_keep.ts'), createNotes('keep'));
    await writeFile(join(dir, '1700000002_oneway.ts'), `export default { up() {} };`);
    const migrator = new Migrator({ db, collections: await services(db), dir });
    await migrator.up();
    await assert.rejects(migrator.down(), /migration 1700000002_oneway\.ts has no down\(\)/);
    await rm(join(dir, '1700000002_oneway.ts'));
    assert.equal((await migrator.status()).applied[1]?.missing, true);
    await assert.rejects(migrator.down(), /migration 1700000002_oneway\.ts is applied but missing/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

eachDatabase('two nodes migrating one database at once apply each file exactly once', async (db, ctx) => {
  const dir = await tempDir();
  const second = await openDatabase({ url: ctx.url, dataDir: ctx.dir });
  try {
    for (let i = 1; i <= 4; i++) await writeFile(join(dir, `170000000${i}_n${i}.ts`), createNotes(`n${i}`));
    const a = new Migrator({ db, collections: await services(db), dir });
    const secondCollections = new CollectionService(second);
    await secondCollections.load();
    const b = new Migrator({ db: second, collections: secondCollections, dir });
    const [ra, rb] = await Promise.all([a.up(), b.up()]);
    assert.deepEqual([...ra, ...rb].sort(), ['1700000001_n1.ts', '1700000002_n2.ts', '1700000003_n3.ts', '1700000004_n4.ts']);
    const rows = await db.all('SELECT "file" FROM "_migrations"');
    assert.equal(rows.length, 4);
  } finally {
    await second.close();
    await rm(dir, { recursive: true, force: true });
  }
});
