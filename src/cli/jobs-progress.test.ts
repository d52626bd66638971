import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressLine, progressWriter } from './jobs-progress.js';

const job = { id: 'j1', kind: 'records.export', state: 'running' as const };

test('the progress line: a bar with percent and counts, a count without a total, the bare state without progress', () => {
  assert.equal(progressLine({ ...job, progress: { done: 45, total: 100, message: 'exporting' } }, 10), 'j1 records.export running  [#####-----]   45%  45/100  exporting');
  assert.equal(progressLine({ ...job, progress: { done: 7, total: null, message: '' } }), 'j1 records.export running  7 done');
  assert.equal(progressLine({ ...job, progress: null }), 'j1 records.export running');
  assert.match(progressLine({ ...job, progress: { done: 150, total: 100, message: '' } }, 4), /\[####\]  100%/);
});

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { out: string } {
  const s = { isTTY, columns: 20, out: '', write(chunk: string) { s.out += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { out: string };
}

test('a terminal gets one redrawn line, cut to its width; a pipe gets plain lines only when they change', () => {
  const tty = fakeStream(true);
  const w = progressWriter(tty);
  w.update('a'.repeat(30));
  w.update('a'.repeat(30));
  w.update('b');
  w.done();
  assert.equal(tty.out, `\r\x1b[2K${'a'.repeat(19)}\r\x1b[2Kb\n`);

  const pipe = fakeStream(false);
  const p = progressWriter(pipe);
  p.update('one');
  p.update('one');
  p.update('two');
  p.done();
  assert.equal(pipe.out, 'one\ntwo\n');
});
