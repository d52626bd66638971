import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { displayName, parseAnnotate, perfMapLookup, selfCosts } from './callgrind-annotate.js';
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

test('perf map lookup: the range covering an address, the later line where code space was reused', () => {
  const lookup = perfMapLookup(['1000 100 JS:*old', '2000 80 JS:^other', '1000 40 JS:*new', 'not a line'].join('\n'));
  assert.equal(lookup(0x1010), 'JS:*new');
  assert.equal(lookup(0x1050), 'JS:*old');
  assert.equal(lookup(0x2000), 'JS:^other');
  assert.equal(lookup(0x2080), undefined);
  assert.equal(lookup(0x10), undefined);
});

test('displayName adds up a function over its tiers and keeps paths from the project on', () => {
  assert.equal(displayName('JS:*find /work/main/node_modules/find-my-way/index.js:618:39'), 'find node_modules/find-my-way/index.js:618:39');
  assert.equal(displayName('JS:^viewRecord file:///tmp/wt/x/dist/http/routes/records-view.js:19:37'), 'viewRecord dist/http/routes/records-view.js:19:37');
  assert.equal(displayName('RegExp:^[a-z]+$'), 'RegExp:^[a-z]+$');
});

test('parseAnnotate sums self counts by name, names JIT code, and leaves out the zeroed stack', () => {
  const text = [
    'Events shown:     Ir',
    '--------------------------------------------------------------------------------',
    '1,000 (100.0%)  PROGRAM TOTALS',
    '--------------------------------------------------------------------------------',
    'Ir               file:function',
    '--------------------------------------------------------------------------------',
    '1,000 (100.0%)  ???:main [/usr/bin/node]',
    '  400 (40.0%)  ???:0x0000000000001010 [???]',
    '  200 (20.0%)  ???:0x0000000000001050 [???]',
    '  150 (15.0%)  ???:v8::internal::JsonStringifier::SerializeString(v8::internal::Handle<v8::internal::String>) [/usr/bin/node]',
    '  100 (10.0%)  ./math/../e_fmod.c:__fmod_finite [/usr/lib/libm.so.6]',
    '   50  (5.0%)  ???:0x0000000000009999 [???]',
  ].join('\n');
  const costs = parseAnnotate(text, perfMapLookup('1000 100 JS:*read /x/dist/a.js:1:1\n'));
  assert.deepEqual(Object.fromEntries(costs), {
    'read dist/a.js:1:1': 600,
    'v8::internal::JsonStringifier::SerializeString(v8::internal::Handle<v8::internal::String>)': 150,
    __fmod_finite: 100,
    'JIT code (unnamed)': 50,
  });
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
  const script = `let s = 0; function spinTurns(n) { for (let i = 0; i < n; i++) s += i % 7; } process.stdin.on('data', (b) => { spinTurns(Number(String(b).trim())); process.stdout.write('done ' + (s > 0) + '\\n'); }); process.stdout.write('ready\\n');`;
  const [command, ...args] = [...callgrindWrapper(out), process.execPath, '--perf-basic-prof', '-e', script];
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
    await work(10_000_000);
    const small = await readDump(out, 1);
    const large = await readDump(out, 2);
    assert.ok(small.main > 0 && small.all >= small.main);
    // A turn is a few instructions; the rest of a dump (reading stdin, writing, GC) is a few
    // million whatever the turns, so the difference, not the ratio, is what the turns add.
    assert.ok(large.main - small.main > 20_000_000, `10,000,000 turns (${large.main}) should count 20 million more than 100,000 turns (${small.main})`);
    // The loop's function, named through node's perf map, holds most of the second dump.
    const costs = await selfCosts(`${out}.2-01`, `/tmp/perf-${child.pid}.map`);
    const spin = [...costs].find(([name]) => name.startsWith('spinTurns '));
    assert.ok(spin && spin[1] > 20_000_000, `spinTurns in ${JSON.stringify([...costs].sort((a, b) => b[1] - a[1]).slice(0, 5))}`);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
  }
});
