import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isBuilt, repoRoot } from './cli-process.js';

const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

function run(cwd: string, file: string, args: string[]): { code: number | null; out: string } {
  const res = spawnSync(process.execPath, [file, ...args], { cwd, encoding: 'utf8' });
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
}

/**
 * A project that depends on galley the way users do (node_modules/galley, the built package):
 * migrations import `galley/migrations` at run time and type-check against its declarations.
 */
test('a user project: migrations importing galley/migrations run with the installed CLI and type-check', async (t) => {
  if (!isBuilt()) {
    t.skip('dist/ is not built (npm run build)');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'galley-userproj-'));
  try {
    await mkdir(join(dir, 'node_modules'));
    await mkdir(join(dir, 'migrations'));
    await symlink(repoRoot, join(dir, 'node_modules', 'galley'), 'dir');
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module' }));
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        include: ['migrations'],
      }),
    );
    await writeFile(
      join(dir, 'migrations', '1700000000_notes.ts'),
      `import { migration } from 'galley/migrations';

export default migration({
  async up(app) {
    const users = app.collections.find('users');
    await app.collections.create({
      name: 'notes',
      type: 'base',
      fields: [{ name: 'text', type: 'text' }, { name: 'owner', type: 'relation', collectionId: users?.id, maxSelect: 1 }],
    });
  },
  async down(app) {
    await app.collections.delete('notes');
  },
});
`,
    );
    const galley = join(dir, 'node_modules', 'galley', 'bin', 'galley.js');
    const up = run(dir, galley, ['migrate', 'up', '--dir', 'data']);
    assert.equal(up.code, 0, up.out);
    assert.match(up.out, /applied\s+1700000000_notes\.ts/);

    // The snapshot file the CLI generates must type-check in the user's project too.
    const snap = run(dir, galley, ['migrate', 'collections', '--dir', 'data']);
    assert.equal(snap.code, 0, snap.out);
    const types = run(dir, tsc, ['-p', 'tsconfig.json']);
    assert.equal(types.code, 0, `tsc in the user project:\n${types.out}`);

    const again = run(dir, galley, ['migrate', 'up', '--dir', 'data']);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /applied\s+\d+_collections_snapshot\.ts/);
    const down = run(dir, galley, ['migrate', 'down', '--dir', 'data']);
    assert.equal(down.code, 1, 'the snapshot has no down()');
    assert.match(down.out, /collections_snapshot\.ts has no down\(\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
