import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionFailure, listenFailure } from './cli-error.js';

const withCode = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

test('connectionFailure words driver errors as one line, without the password', () => {
  const pg = { postgres: 'postgres://me:hunter2@db:5432/app' };
  assert.equal(
    connectionFailure(withCode('ECONNREFUSED'), pg)?.message,
    'cannot connect to PostgreSQL at postgres://me:***@db:5432/app: connection refused',
  );
  assert.match(connectionFailure(withCode('3D000'), pg)?.message ?? '', /database does not exist$/);
  // Node reports failed dual-stack connects as an AggregateError whose parts carry the code.
  const aggregate = new AggregateError([withCode('ECONNREFUSED')], '');
  assert.match(connectionFailure(aggregate, pg)?.message ?? '', /connection refused$/);
  assert.match(
    connectionFailure(new Error('Redis connection to 127.0.0.1:1 failed'), { redis: 'redis://:pw@127.0.0.1:1' })?.message ?? '',
    /^cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/,
  );
  assert.match(connectionFailure(withCode('ENOTDIR', 'not a directory'), { dataDir: '/x' })?.message ?? '', /^cannot open the data directory \/x/);
  assert.equal(connectionFailure(new Error('a bug'), pg), undefined, 'anything else is not an operator error');
});

test('listenFailure explains the usual listen errors', () => {
  assert.match(listenFailure(withCode('EADDRINUSE'), '127.0.0.1:8090')?.message ?? '', /already in use \(pick another with --http HOST:PORT\)$/);
  assert.match(listenFailure(withCode('EACCES'), '0.0.0.0:80')?.message ?? '', /permission denied/);
  assert.match(listenFailure(withCode('EADDRNOTAVAIL'), '10.9.9.9:1')?.message ?? '', /not available on this machine/);
  assert.equal(listenFailure(new Error('other'), 'x'), undefined);
});
