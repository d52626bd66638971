import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, configEnv, parseHttpAddress, resolveConfig } from './config.js';

test('defaults are documented values and the result is frozen', () => {
  const c = resolveConfig({}, {});
  assert.equal(c.dataDir, './galley_data');
  assert.equal(c.http, '127.0.0.1:8090');
  assert.equal(c.dev, false);
  assert.equal(c.migrationsDir, './migrations');
  assert.equal(c.keyPrefix, 'galley');
  assert.equal(c.logLevel, 'info');
  assert.deepEqual(c.corsOrigins, ['*']);
  assert.equal(c.bodyLimit, 32 * 1024 * 1024);
  assert.equal(c.databaseUrl, undefined);
  assert.ok(Object.isFrozen(c));
  assert.equal(resolveConfig({ dev: true }, {}).logLevel, 'debug');
});

test('explicit values beat env vars, env vars beat defaults', () => {
  const env = { GALLEY_DIR: '/env/dir', GALLEY_HTTP: '0.0.0.0:9000', GALLEY_DEV: 'true', GALLEY_ENCRYPTION_KEY: 'k', GALLEY_CORS_ORIGINS: 'https://a.io, https://b.io' };
  const c = resolveConfig({ dataDir: '/flag/dir' }, env);
  assert.equal(c.dataDir, '/flag/dir');
  assert.equal(c.http, '0.0.0.0:9000');
  assert.equal(c.dev, true);
  assert.equal(c.encryptionKey, 'k');
  assert.deepEqual(c.corsOrigins, ['https://a.io', 'https://b.io']);
});

test('bad values fail at start with the option and its env var named', () => {
  assert.throws(() => resolveConfig({ databaseUrl: 'mysql://x' }, {}), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /databaseUrl \(GALLEY_DATABASE_URL\)/);
    return true;
  });
  assert.throws(() => resolveConfig({}, { GALLEY_HTTP: 'nope:port' }), ConfigError);
  assert.throws(() => resolveConfig({}, { GALLEY_DEV: 'maybe' }), ConfigError);
  assert.throws(() => resolveConfig({ logLevel: 'loud' as 'info' }, {}), ConfigError);
});

test('every option has an env var and HTTP addresses parse', () => {
  for (const name of Object.values(configEnv)) assert.match(name, /^GALLEY_[A-Z_]+$/);
  assert.deepEqual(parseHttpAddress('127.0.0.1:8090'), { host: '127.0.0.1', port: 8090 });
  assert.deepEqual(parseHttpAddress(':80'), { host: '127.0.0.1', port: 80 });
  assert.deepEqual(parseHttpAddress('[::1]:8090'), { host: '::1', port: 8090 });
});
