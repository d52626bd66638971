import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogController, fastify as createFastify } from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { lazyChildLogger } from './request-logger.js';

test('request.log made on first use logs with the request id binding, like the child Fastify makes', async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const fastify = createFastify({
    loggerInstance: logger.child({ module: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    childLoggerFactory: lazyChildLogger,
    genReqId: () => 'req-1',
  });
  fastify.get('/quiet', async () => ({ ok: true }));
  fastify.get('/loud', async (request) => {
    assert.equal(request.log.level, 'info');
    request.log.warn({ detail: 1 }, 'something odd');
    request.log.child({ step: 'inner' }).error('inner failure');
    request.log.debug('below the level');
    return { ok: true };
  });
  try {
    assert.equal((await fastify.inject({ method: 'GET', url: '/quiet' })).statusCode, 200);
    assert.deepEqual(lines, []);
    assert.equal((await fastify.inject({ method: 'GET', url: '/loud' })).statusCode, 200);
    assert.deepEqual(
      lines.map(({ level, module, requestId, detail, step, msg }) => ({ level, module, requestId, detail, step, msg })),
      [
        { level: 40, module: 'http', requestId: 'req-1', detail: 1, step: undefined, msg: 'something odd' },
        { level: 50, module: 'http', requestId: 'req-1', detail: undefined, step: 'inner', msg: 'inner failure' },
      ],
    );
  } finally {
    await fastify.close();
  }
});
