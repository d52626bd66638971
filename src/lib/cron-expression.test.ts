import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cron } from 'croner';
import { isValidCronExpression, parseCronExpression } from './cron-expression.js';

test('5- and 6-field expressions and nicknames are valid; garbage is not', () => {
  for (const ok of ['* * * * *', '*/5 * * * *', '0 3 * * 1-5', '*/10 * * * * *', '@hourly', '@daily']) assert.ok(isValidCronExpression(ok), ok);
  for (const bad of ['', 'every minute', '61 * * * *', '* * * * * * * *']) assert.equal(isValidCronExpression(bad), false, bad);
});

test('the next run is computed in UTC by default', () => {
  const cron = parseCronExpression('0 3 * * *');
  assert.equal(cron.nextRun(new Date('2026-01-01T02:59:00Z'))?.toISOString(), '2026-01-01T03:00:00.000Z');
});

test('UTC ticks (a fixed offset, no Intl) are those of the UTC time zone', () => {
  for (const expression of ['*/15 * * * *', '30 2 * * *', '0 0 L * *', '0 0 29 2 *', '5 4 * * sun', '*/10 * * * * *']) {
    for (const from of ['2026-03-29T00:59:59Z', '2026-10-25T01:00:00Z', '2027-12-31T23:59:59.500Z']) {
      const zoned = new Cron(expression, { paused: true, timezone: 'UTC' }).nextRuns(3, new Date(from));
      const ours = parseCronExpression(expression).nextRuns(3, new Date(from));
      assert.deepEqual(ours.map((d) => d.toISOString()), zoned.map((d) => d.toISOString()), `${expression} from ${from}`);
    }
  }
});
