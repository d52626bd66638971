import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { callgrindMissing, callgrindWrapper, dumpTotal, parseDumpName, readDump, requestDump, zeroCounters } from './callgrind.js';
import { renderInstructionTable } from './instructions.js';

test('dumpTotal reads the totals line, or the summary line of older callgrind versions', () => {
  assert.equal(dumpTotal('version: 1\ncmd: node\nevents: Ir\n\nfn=(1) main\n5 10\n\ntotals: 123456\n'), 123456);
  assert.equal(dumpTotal('events: Ir\nsummary: 42\n'), 42);
  assert.equal(dumpTotal('events: Ir\n'), undefined);
});

test('parseDumpName tells requested dumps from the exit dump, per thread', () => {
  const out = '/tmp/x/galley-get.out';
  assert.deepEqual(parseDumpName(out, 'galley-get.out.1-01'), { dump: 1, thread: 1 });
  assert.deepEqual(parseDumpName(out, 'galley-get.out.12-07'), { dump: 12, thread: 7 });
  assert.deepEqual(parseDumpName(out, 'galley-get.out-03'), { dump: 0, thread: 3 });
  assert.equal(parseDumpName(out, 'galley-get.out'), undefined);
  assert.equal(parseDumpName(out, 'baseline-get.out.1-01'), undefined);
  assert.equal(parseDumpName(out, 'galley-get.out.1-01.bak'), undefined);
});

test('readDump sums one dump over its threads and keeps thread 1 apart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'galley-callgrind-test-'));
  try {
    const out = join(dir, 't.out');
    writeFileSync(`${out}.1-01`, 'totals: 1000\n');
    writeFileSync(`${out}.1-02`, 'totals: 300\n');
    writeFileSync(`${out}.2-01`, 'totals: 999999\n');
    writeFileSync(`${out}-01`, 'totals: 888888\n');
    assert.deepEqual(await readDump(out, 1), { main: 1000, all: 1300 });
    await assert.rejects(readDump(out, 3), /no callgrind dump 3/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('renderInstructionTable shows ratios to the baseline of the same scenario', () => {
  const table = renderInstructionTable(
    [
      { scenario: 'get', target: 'baseline', requests: 10, perRequest: { main: 100_000, all: 200_000 } },
      { scenario: 'get', target: 'galley', requests: 10, perRequest: { main: 125_000, all: 250_000 } },
    ],
    'baseline',
  );
  assert.match(table, /\| get \| baseline \| 100\.0k \| 200\.0k \| {2}\| {2}\|/);
  assert.match(table, /\| get \| galley \| 125\.0k \| 250\.0k \| 0\.80 \| 0\.80 \|/);
});

test('a node process under callgrind: counters zeroed, a dump requested while it runs, more work counts more', async (t) => {
  const missing = await callgrindMissing();
  if (missing) {
    t.skip(`instruction counting unavailable: ${missing}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'galley-callgrind-test-'));
  const out = join(dir, 'node.out');
  // Reads a number per line on stdin, does that many loop turns, answers "done".
  const script = `let s = 0; process.stdin.on('data', (b) => { const n = Number(String(b).trim()); for (let i = 0; i < n; i++) s += i % 7; process.stdout.write('done ' + (s > 0) + '\\n'); }); process.stdout.write('ready\\n');`;
  const [command, ...args] = [...callgrindWrapper(out), process.execPath, '-e', script];
  const child = spawn(command as string, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  try {
    const lines: string[] = [];
    let waiting: (() => void) | undefined;
    child.stdout.on('data', (b: Buffer) => {
      lines.push(...String(b).split('\n').filter(Boolean));
      waiting?.();
    });
    const nextLine = async (): Promise<string> => {
      while (lines.length === 0) await new Promise<void>((r) => (waiting = r));
      return lines.shift() as string;
    };
    assert.equal(await nextLine(), 'ready');
    const work = async (turns: number): Promise<void> => {
      await zeroCounters(child.pid as number);
      child.stdin.write(`${turns}\n`);
      assert.equal(await nextLine(), 'done true');
      await requestDump(child.pid as number);
    };
    await work(100_000);
    await work(1_000_000);
    const small = await readDump(out, 1);
    const large = await readDump(out, 2);
    assert.ok(small.main > 0 && small.all >= small.main);
    assert.ok(large.main > small.main * 3, `1,000,000 turns (${large.main}) should count well over 100,000 turns (${small.main})`);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
