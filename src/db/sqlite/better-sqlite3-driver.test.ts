import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { betterSqlite3Package } from './better-sqlite3-driver.js';

const driverModule = fileURLToPath(new URL('./better-sqlite3-driver.ts', import.meta.url));

test('the Node-API build is used from Node 22 on', () => {
  const major = Number(process.versions.node.split('.')[0]);
  assert.equal(betterSqlite3Package, major >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3');
});

// Regression: with better-sqlite3 12 on Node 24, collecting a statement aborted the whole process
// ("Assertion failed: (env) != nullptr" in RemoveEnvironmentCleanupHook). Statements are created,
// dropped and collected in a child process on the Node running this suite, which must exit cleanly.
test('statements can be garbage-collected and the process exits cleanly', () => {
  const script = `
    const { BetterSqlite3Driver } = await import(${JSON.stringify(driverModule)});
    for (let k = 0; k < 20; k++) {
      const db = new BetterSqlite3Driver(':memory:');
      for (let j = 0; j < 200; j++) db.prepare('SELECT ' + j).get();
      if (k % 2 === 0) db.close();
    }
    globalThis.gc(); globalThis.gc();
    console.log('ok');
  `;
  const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(res.signal, null, res.stderr);
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /ok/);
});
