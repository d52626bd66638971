import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTable } from './report-table.js';

test('renderTable shows each value with its ratio to the baseline row of the same scenario', () => {
  const table = renderTable(
    [
      { scenario: 's', target: 'baseline', requestsPerSec: 1000, cpuUsPerRequest: 100, p50Ms: 2, p99Ms: 4, rssBytes: 100 * 2 ** 20 },
      { scenario: 's', target: 'galley', requestsPerSec: 500, cpuUsPerRequest: 250, p50Ms: 4, p99Ms: 8, rssBytes: 150 * 2 ** 20, failures: 2 },
      { scenario: 't', target: 'galley', note: 'answers differ from the baseline; not measured' },
    ],
    'baseline',
  );
  const lines = table.split('\n');
  assert.match(lines[0] ?? '', /\| scenario \| target +\| req\/s +\| CPU µs\/req +\| p50 ms/);
  assert.match(lines[2] ?? '', /\| s +\| baseline \| 1000 +\| 100 +\| 2\.0 /);
  assert.match(lines[3] ?? '', /\| s +\| galley +\| 500 \(0\.50x\) \| 250 \(2\.50x\) \| 4\.0 \(2\.00x\) \| 8\.0 \(2\.00x\) \| 150\.0 \(1\.50x\) \| 2 non-2xx answers/);
  assert.match(lines[4] ?? '', /\| t +\| galley +\| - +\| - .*answers differ/);
});
