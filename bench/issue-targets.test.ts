import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeTargets, renderVerdicts } from './issue-targets.js';

const m = (scenario: string, target: string, requestsPerSec: number, cpuUsPerRequest: number) => ({ scenario, target, requestsPerSec, cpuUsPerRequest });

test('judgeTargets compares Galley with the baseline by req/s and by CPU per request', () => {
  const verdicts = judgeTargets(
    [m('get-by-id (view rule)', 'baseline', 1000, 100), m('get-by-id (view rule)', 'galley', 700, 110), m('auth-refresh', 'baseline', 100, 50)],
    { baseline: 'baseline', galley: 'galley', pg: false, idleRssBytes: 90 * 2 ** 20, readyMs: 1200 },
  );
  assert.equal(verdicts.length, 3);
  const [get, rss, ready] = verdicts;
  assert.equal(get?.reqRatio, 0.7);
  assert.equal(get?.metByReq, false);
  assert.ok(Math.abs((get?.cpuRatio ?? 0) - 100 / 110) < 1e-9);
  assert.equal(get?.metByCpu, true);
  assert.equal(rss?.met, true);
  assert.equal(ready?.met, false);
  const text = renderVerdicts(verdicts);
  assert.match(text, /get-by-id \(view rule\) >= 0\.80: by CPU 0\.91 -> met; by req\/s 0\.70 -> NOT met/);
  assert.match(text, /ready < 1 s .*: 1200 -> NOT met/);
});

test('in PostgreSQL mode every measured scenario is held to 0.70, CPU including the database backends', () => {
  const withDb = (x: ReturnType<typeof m>, dbCpuUsPerRequest: number) => ({ ...x, dbCpuUsPerRequest });
  const verdicts = judgeTargets([withDb(m('a', 'baseline', 100, 10), 10), withDb(m('a', 'galley', 80, 20), 10), m('b', 'baseline', 100, 10), m('b', 'galley', 60, 12)], {
    baseline: 'baseline',
    galley: 'galley',
    pg: true,
  });
  assert.deepEqual(
    verdicts.map((v) => [v.goal, v.metByReq, v.metByCpu]),
    [
      ['a (PostgreSQL) >= 0.70', true, false], // (10 + 10) / (20 + 10) = 0.67
      ['b (PostgreSQL) >= 0.70', false, true],
    ],
  );
});
