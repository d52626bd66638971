/**
 * `npm run bench -- instructions [--only TEXT] [--records N] [--requests N] [--warmup N] [--connections N] [--galley-root DIR] [--ab DIR] [--annotate N]`:
 * instructions executed per request, the baseline and Galley (SQLite) side by side, counted by
 * valgrind's callgrind (./callgrind.ts). It moves much less than req/s and CPU time with what else
 * the machine runs, but it does not see what instructions cost (cache misses, system calls, the
 * kernel's share), and under valgrind V8 never finishes optimising (docs/benchmarks.md), so a
 * change it favours is confirmed with `npm run bench` before it is called faster.
 *
 * For every scenario and target: the server restarts under callgrind, serves `--warmup` requests,
 * then the counters are zeroed, `--requests` requests are driven at
 * `--connections`, and the dump is read. Requests are the same ones `npm run bench` sends. With
 * `--annotate N` node also writes a perf map, and the N functions with the most instructions per
 * request are listed per Galley target, with the N largest differences to the baseline
 * (./callgrind-annotate.ts).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hashPassword } from '../src/auth/password.js';
import { largestDifferences, selfCosts, topPerRequest } from './callgrind-annotate.js';
import { callgrindMissing, callgrindWrapper, readDump, requestDump, zeroCounters } from './callgrind.js';
import type { ThreadTotals } from './callgrind.js';
import { createDatasetFile, generateUsers, USER_PASSWORD } from './dataset.js';
import { runLoad } from './load.js';
import { benchUser, scenarioSlug, scenarios } from './scenarios.js';
import type { Scenario } from './scenarios.js';
import type { Target } from './server-process.js';
import { signIn } from './sign-in.js';
import { subscribe } from './sse-subscriber.js';
import { startBaseline } from './targets/baseline.js';
import { startGalley } from './targets/galley.js';
import type { GalleyTarget } from './targets/galley.js';

/** A server that can be started again under a command prefix, on the same data. */
interface Subject {
  name: string;
  /** Starts (or restarts) the server with `nodeArgs`, under `wrapper`, and returns it running. */
  start(nodeArgs: readonly string[], wrapper: readonly string[]): Promise<Target>;
  /** Stops the server, keeping its data for the next start. */
  pause(): Promise<void>;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

/** Instructions per request of one target in one scenario. */
export interface InstructionCount {
  scenario: string;
  target: string;
  requests: number;
  perRequest: ThreadTotals;
  /** With `--annotate`: the main thread's instructions per function (all requests). */
  functions?: Map<string, number>;
}

function galleySubject(target: GalleyTarget): Subject {
  return {
    name: target.name,
    async start(nodeArgs, wrapper) {
      await target.restart(nodeArgs, wrapper);
      return target;
    },
    pause: () => target.process.stop(),
    stop: () => target.stop(),
  };
}

function baselineSubject(name: string, database: string): Subject {
  let running: Target | undefined;
  // The data is the caller's file: stopping the server is all there is to either.
  const stop = async (): Promise<void> => {
    await running?.stop();
    running = undefined;
  };
  return {
    name,
    async start(nodeArgs, wrapper) {
      await stop();
      running = await startBaseline(name, database, { wrapper, nodeArgs });
      return running;
    },
    pause: stop,
    stop,
  };
}

interface CountOptions {
  requests: number;
  warmup: number;
  connections: number;
  outDir: string;
  annotate: boolean;
}

async function count(subject: Subject, scenario: Scenario, email: string, options: CountOptions): Promise<InstructionCount> {
  const outFile = join(options.outDir, `${subject.name}-${scenarioSlug(scenario.name)}.out`);
  const target = await subject.start(options.annotate ? ['--perf-basic-prof'] : [], callgrindWrapper(outFile));
  // Node writes it for its own pid, which valgrind keeps.
  const perfMap = `/tmp/perf-${target.process.pid}.map`;
  const headers: Record<string, string> = scenario.as === 'user' ? { authorization: await signIn(target, email) } : {};
  const subscriber = scenario.realtime ? await subscribe(target.url, 'posts/*', 120_000) : undefined;
  try {
    const scale = scenario.slow ? 20 : 1;
    const load = { url: target.url, requests: scenario.load, connections: Math.min(options.connections, scenario.connections ?? options.connections), headers };
    // Bounded by count; the time bound only stops a run that hangs.
    const warm = await runLoad({ ...load, durationSec: 3600, maxRequests: Math.ceil(options.warmup / scale) });
    if (warm.failures > 0) throw new Error(`${subject.name}: ${warm.failures} non-2xx answers during the warm-up of ${scenario.name}`);
    await zeroCounters(target.process.pid);
    const measured = await runLoad({ ...load, durationSec: 3600, maxRequests: Math.ceil(options.requests / scale) });
    await requestDump(target.process.pid);
    if (measured.failures > 0 || measured.total === 0) throw new Error(`${subject.name}: ${measured.failures} non-2xx answers of ${measured.total} in ${scenario.name}`);
    const totals = await readDump(outFile, 1);
    const row: InstructionCount = { scenario: scenario.name, target: subject.name, requests: measured.total, perRequest: { main: totals.main / measured.total, all: totals.all / measured.total } };
    if (options.annotate) row.functions = await selfCosts(`${outFile}.1-01`, perfMap);
    return row;
  } finally {
    subscriber?.close();
    // Not left idling under valgrind while the next target is counted.
    await subject.pause();
    if (options.annotate) await rm(perfMap, { force: true });
  }
}

const k = (n: number) => `${(n / 1000).toFixed(1)}k`;

/** Markdown table: per scenario, each target's main-thread and all-thread instructions, and baseline/target ratios. */
export function renderInstructionTable(rows: readonly InstructionCount[], baseline: string): string {
  const lines = [
    '| scenario | target | instructions/request, main thread | all threads | ratio to baseline (main) | (all) |',
    '|---|---|--:|--:|--:|--:|',
  ];
  for (const row of rows) {
    const base = rows.find((r) => r.scenario === row.scenario && r.target === baseline);
    const ratio = (of: keyof ThreadTotals) => (base && row.target !== baseline ? (base.perRequest[of] / row.perRequest[of]).toFixed(2) : '');
    lines.push(`| ${row.scenario} | ${row.target} | ${k(row.perRequest.main)} | ${k(row.perRequest.all)} | ${ratio('main')} | ${ratio('all')} |`);
  }
  return lines.join('\n');
}

const signed = (n: number) => `${n >= 0 ? '+' : '-'}${Math.abs(n).toFixed(0).padStart(7)}`;

/** Per target other than the baseline: its top functions, then its largest differences to the baseline. */
export function renderAnnotation(rows: readonly InstructionCount[], baseline: string, limit: number): string {
  const base = rows.find((r) => r.target === baseline);
  const out: string[] = [];
  for (const row of rows) {
    if (row.target === baseline || !row.functions) continue;
    out.push('', `${row.scenario} / ${row.target}: main thread, instructions per request by function (self)`);
    for (const [name, n] of topPerRequest(row.functions, row.requests, limit)) out.push(`  ${n.toFixed(0).padStart(8)}  ${name}`);
    if (base?.functions) {
      out.push(`${row.scenario} / ${row.target} minus ${baseline}: the largest differences per request`);
      for (const [name, n] of largestDifferences(row.functions, row.requests, base.functions, base.requests, limit)) out.push(`  ${signed(n)}  ${name}`);
    }
  }
  return out.join('\n');
}

export async function runInstructionsBench(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      only: { type: 'string' },
      records: { type: 'string', default: '5000' },
      requests: { type: 'string', default: '2000' },
      warmup: { type: 'string', default: '4000' },
      connections: { type: 'string', default: '10' },
      'galley-root': { type: 'string' },
      ab: { type: 'string' },
      annotate: { type: 'string' },
    },
  });
  const missing = await callgrindMissing();
  if (missing) {
    console.error(`bench instructions: ${missing}`);
    return 2;
  }
  const annotate = values.annotate === undefined ? 0 : Number(values.annotate);
  const options = { requests: Number(values.requests), warmup: Number(values.warmup), connections: Number(values.connections), annotate: annotate > 0 };
  const records = Number(values.records);
  const tmp = mkdtempSync(join(tmpdir(), 'galley-bench-instructions-'));
  const subjects: Subject[] = [];
  try {
    const outDir = join(tmp, 'callgrind');
    mkdirSync(outDir);
    const users = generateUsers(await hashPassword(USER_PASSWORD));
    const data = createDatasetFile(join(tmp, 'baseline.db'), records, users);
    console.log(`galley bench instructions (SQLite, ${records} posts): ${new Date().toISOString()}`);
    console.log(`per scenario and target: ${options.warmup} requests of warm-up, then ${options.requests} counted, at ${options.connections} connections (a twentieth of both for password hashing)`);
    subjects.push(baselineSubject('baseline', data.file));
    const galleys: Array<[string, string | undefined]> = [
      ['galley', values['galley-root'] ? resolve(values['galley-root']) : undefined],
      ...(values.ab ? ([['galley-ab', resolve(values.ab)]] as Array<[string, string]>) : []),
    ];
    for (const [name, root] of galleys) {
      const started = await startGalley({ name, records, users, ...(root ? { root } : {}) });
      if (!('target' in started)) throw new Error(`${name}: ${started.unavailable}`);
      subjects.push(galleySubject(started.target));
    }
    const email = benchUser(data).email;
    const rows: InstructionCount[] = [];
    for (const scenario of scenarios(data)) {
      if (values.only && !scenario.name.includes(values.only)) continue;
      for (const subject of subjects) {
        const row = await count(subject, scenario, email, { ...options, outDir });
        rows.push(row);
        console.log(`  ${scenario.name} / ${subject.name}: ${k(row.perRequest.main)} main thread, ${k(row.perRequest.all)} all threads per request (${row.requests} requests)`);
      }
      if (annotate > 0) console.log(renderAnnotation(rows.filter((r) => r.scenario === scenario.name), 'baseline', annotate));
    }
    console.log('');
    console.log(renderInstructionTable(rows, 'baseline'));
    return 0;
  } finally {
    for (const s of subjects) await s.stop().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }
}
