import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuMicrosPerRequest, parseProcStat, processCpuSeconds } from './proc-stat.js';

test('parseProcStat reads utime and stime after the command name', () => {
  const line = '4242 (node) S 1 4242 4242 0 -1 4194560 2000 0 0 0 1234 567 0 0 20 0 11 0 100 1000 200 18446744073709551615';
  assert.deepEqual(parseProcStat(line), { utime: 1234, stime: 567 });
});

test('parseProcStat counts fields from the last parenthesis (names with spaces and parentheses)', () => {
  const line = '7 (odd (name) x) R 1 7 7 0 -1 0 0 0 0 0 15 25 0 0 20 0 1 0 5 0 0';
  assert.deepEqual(parseProcStat(line), { utime: 15, stime: 25 });
});

test('parseProcStat rejects text that is not a stat line', () => {
  assert.equal(parseProcStat(''), undefined);
  assert.equal(parseProcStat('1 (x) S 1'), undefined);
});

test('processCpuSeconds reads this process and grows with work', () => {
  const before = processCpuSeconds(process.pid);
  assert.ok(before !== undefined && before >= 0);
  let x = 0;
  const until = Date.now() + 100;
  while (Date.now() < until) x += Math.sqrt(x + 1);
  const after = processCpuSeconds(process.pid);
  assert.ok(after !== undefined && after >= before, `${after} >= ${before}`);
  assert.equal(processCpuSeconds(2 ** 30), undefined);
});

test('cpuMicrosPerRequest divides the window by the requests', () => {
  assert.equal(cpuMicrosPerRequest(1, 1.5, 5000), 100);
  assert.equal(cpuMicrosPerRequest(undefined, 1, 10), undefined);
  assert.equal(cpuMicrosPerRequest(1, 2, 0), undefined);
});
