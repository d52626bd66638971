/**
 * Instructions executed, counted by valgrind's callgrind: a measure of a server's work per request
 * that does not move with the machine's load, unlike CPU time (this shared 2-core machine's CPU
 * µs per request swings by a third between rounds). The server runs under callgrind from its
 * start; the bench zeroes the counters after the warm-up, drives a fixed number of requests and
 * asks for a dump. `--separate-threads=yes` writes one file per thread, so the main thread (where
 * the request is served) is read apart from V8's compiler threads and libuv's pool.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Command prefix that starts a process under callgrind, writing its dumps to `outFile.*`. */
export function callgrindWrapper(outFile: string): string[] {
  return [
    'valgrind',
    '--tool=callgrind',
    `--callgrind-out-file=${outFile}`,
    '--separate-threads=yes',
    // Totals only: no per-instruction or per-jump records (smaller dumps, less overhead).
    '--dump-instr=no',
    '--dump-line=no',
  ];
}

/** Why instruction counting cannot run here, or undefined when valgrind and callgrind_control exist. */
export async function callgrindMissing(): Promise<string | undefined> {
  for (const tool of ['valgrind', 'callgrind_control']) {
    try {
      await run(tool, ['--version']);
    } catch {
      return `${tool} not found (Debian: apt-get install -y valgrind)`;
    }
  }
  return undefined;
}

/** Zeroes the counters of a running callgrind process (the warm-up is not counted). */
export async function zeroCounters(pid: number): Promise<void> {
  await run('callgrind_control', ['--zero', String(pid)]);
}

/** Asks a running callgrind process to write a dump of what it counted since the last zero. */
export async function requestDump(pid: number): Promise<void> {
  await run('callgrind_control', ['--dump', String(pid)]);
}

/** Instructions in one callgrind dump: its `totals:` line (or `summary:`, older versions). */
export function dumpTotal(text: string): number | undefined {
  const m = /^(?:totals|summary):\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * Dump files of `outFile` with their dump and thread numbers: `<out>.<dump>-<thread>` for dumps
 * requested while running, `<out>-<thread>` for the one written at exit (dump 0 here).
 */
export function parseDumpName(outFile: string, name: string): { dump: number; thread: number } | undefined {
  const base = basename(outFile);
  if (!name.startsWith(base)) return undefined;
  const m = /^(?:\.(\d+))?-(\d+)$/.exec(name.slice(base.length));
  if (!m) return undefined;
  return { dump: m[1] === undefined ? 0 : Number(m[1]), thread: Number(m[2]) };
}

export interface ThreadTotals {
  /** Thread 1: the event loop, where requests are parsed, served and answered. */
  main: number;
  /** Every thread: main, V8's compiler and GC helpers, libuv's pool (argon2, file I/O). */
  all: number;
}

/** Sums the per-thread files of requested dump number `dump` (1 for the first `--dump`). */
export async function readDump(outFile: string, dump: number): Promise<ThreadTotals> {
  const dir = dirname(outFile);
  const totals: ThreadTotals = { main: 0, all: 0 };
  let files = 0;
  for (const name of await readdir(dir)) {
    const parsed = parseDumpName(outFile, name);
    if (!parsed || parsed.dump !== dump) continue;
    const total = dumpTotal(await readFile(join(dir, name), 'utf8'));
    if (total === undefined) continue;
    files++;
    totals.all += total;
    if (parsed.thread === 1) totals.main += total;
  }
  if (files === 0) throw new Error(`no callgrind dump ${dump} next to ${outFile}`);
  return totals;
}
