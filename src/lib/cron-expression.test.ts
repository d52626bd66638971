import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isValidCronExpression, parseCronExpression } from './cron-expression.js';

test('5- and 6-field expressions and nicknames are valid; garbage is not', () => {
  for (const ok of ['* * * * *', '*/5 * * * *', '0 3 * * 1-5', '*/10 * * * * *', '@hourly', '@daily']) assert.ok(isValidCronExpression(ok), ok);
  for (const bad of ['', 'every minute', '61 * * * *', '* * * * * * * *']) assert.equal(isValidCronExpression(bad), false, bad);
});

test('the next run is computed in UTC by default', () => {
  const cron = parseCronExpression('0 3 * * *');
  assert.equal(cron.nextRun(new Date('2026-01-01T02:59:00Z'))?.toISOString(), '2026-01-01T03:00:00.000Z');
});
