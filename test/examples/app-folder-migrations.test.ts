// `galley serve --app DIR/galley.config.ts` applies DIR/migrations when neither --migrations nor
// GALLEY_MIGRATIONS is given; an explicit folder still wins (docs/hooks.md "The app file").
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServe } from '../cli/cli-process.js';

const migration = (name: string): string =>
  `export default { async up(app: any) { await app.collections.create({ name: '${name}', type: 'base', fields: [{ name: 'title', type: 'text' }] }); } };\n`;

test('serve --app applies the migrations/ folder beside the app file unless --migrations is given', async () => {
  const root = await mkdtemp(join(tmpdir(), 'galley-app-migrations-'));
  try {
    const appDir = join(root, 'shop');
    await mkdir(join(appDir, 'migrations'), { recursive: true });
    await writeFile(join(appDir, 'migrations', '1700000000_things.ts'), migration('things'));
    await writeFile(
      join(appDir, 'galley.config.ts'),
      `export default (app: any) => { console.log('collections: ' + app.collections.all().map((c: any) => c.name).sort().join(',')); };\n`,
    );
    const other = join(root, 'other');
    await mkdir(other);
    await writeFile(join(other, '1700000001_widgets.ts'), migration('widgets'));

    const server = await startServe(['--dir', join(root, 'data'), '--http', '127.0.0.1:0', '--app', join(appDir, 'galley.config.ts')], { cwd: root });
    try {
      const { stdout } = server.output();
      assert.match(stdout, /migration applied: 1700000000_things\.ts/);
      assert.match(stdout, /Migrations: shop\/migrations \(1 applied now\)/);
      assert.match(stdout, /collections: .*\bthings\b/);
    } finally {
      await server.stop();
    }

    const explicit = await startServe(
      ['--dir', join(root, 'data2'), '--http', '127.0.0.1:0', '--app', join(appDir, 'galley.config.ts'), '--migrations', other],
      { cwd: root },
    );
    try {
      const { stdout } = explicit.output();
      assert.match(stdout, /migration applied: 1700000001_widgets\.ts/);
      assert.doesNotMatch(stdout, /things/);
    } finally {
      await explicit.stop();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
