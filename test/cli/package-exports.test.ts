import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
};

/** `./dist/x/y.js` -> the source file `src/x/y.ts` it is built from. */
function sourceOf(distPath: string): URL {
  return new URL(distPath.replace(/^\.\/dist\//, 'src/').replace(/\.(d\.ts|js)$/, '.ts'), root);
}

test('every package export is built from a source file that exists', () => {
  for (const [name, target] of Object.entries(pkg.exports)) {
    if (name === './package.json') continue;
    assert.equal(typeof target, 'object', name);
    if (typeof target !== 'object') continue;
    assert.ok(existsSync(sourceOf(target.default)), `${name} -> ${target.default}`);
    assert.equal(sourceOf(target.types).href, sourceOf(target.default).href, `${name}: types and code agree`);
  }
  assert.ok(existsSync(new URL(pkg.bin.galley ?? '', root)), 'bin/galley.js');
  assert.ok(existsSync(new URL('src/cli/main.ts', root)), 'the bin loads dist/cli/main.js');
});

test('the entry points export what the docs promise', async () => {
  const main = (await import(fileURLToPath(sourceOf('./dist/index.js')))) as Record<string, unknown>;
  for (const name of ['App', 'resolveConfig', 'ConfigError', 'configEnv', 'startServer', 'ApiError', 'apiError', 'isApiError',
    'fieldError', 'validationError', 'Hook', 'Migrator', 'MigrationError', 'migration']) {
    assert.ok(main[name] !== undefined, `galley exports ${name}`);
  }
  const migrations = (await import(fileURLToPath(sourceOf('./dist/migrations/public.js')))) as Record<string, unknown>;
  assert.equal(typeof migrations.migration, 'function');
  const def = { up() {} };
  assert.equal((migrations.migration as (m: unknown) => unknown)(def), def);
});

test('the CLI flag env vars are the config env vars', async () => {
  const { FLAG_ENV, DEFAULT_DIR, DEFAULT_HTTP, DEFAULT_MIGRATIONS } = await import('../../src/cli/config-options.js');
  const { configEnv, resolveConfig } = await import('../../src/app/config.js');
  assert.equal(FLAG_ENV.dir, configEnv.dataDir);
  assert.equal(FLAG_ENV.http, configEnv.http);
  assert.equal(FLAG_ENV.db, configEnv.databaseUrl);
  assert.equal(FLAG_ENV.redis, configEnv.redisUrl);
  assert.equal(FLAG_ENV.dev, configEnv.dev);
  assert.equal(FLAG_ENV.app, configEnv.appFile);
  assert.equal(FLAG_ENV.migrations, configEnv.migrationsDir);
  assert.equal(FLAG_ENV.logLevel, configEnv.logLevel);
  assert.equal(FLAG_ENV.keyPrefix, configEnv.keyPrefix);
  assert.equal(FLAG_ENV.publicDir, configEnv.publicDir);
  // The defaults --help shows are the ones the config applies.
  const defaults = resolveConfig({}, {});
  assert.equal(defaults.dataDir, DEFAULT_DIR);
  assert.equal(defaults.http, DEFAULT_HTTP);
  assert.equal(defaults.migrationsDir, DEFAULT_MIGRATIONS);
});
