/**
 * Where a callgrind dump's instructions went, per function, with V8's compiled JavaScript named:
 * callgrind knows native symbols (V8's builtins, SQLite, libc) but sees JIT code as bare
 * addresses, which `node --perf-basic-prof` maps to function names in `/tmp/perf-<pid>.map`
 * (a line per code object: start, size, name). Used by `npm run bench -- instructions --annotate`.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface CodeRange {
  start: number;
  end: number;
  name: string;
  /** Line number in the map: code space is reused, and the later line describes what is there now. */
  line: number;
}

/** Looks up the JavaScript function at an address of a perf map's text. */
export function perfMapLookup(text: string): (address: number) => string | undefined {
  const ranges: CodeRange[] = [];
  let line = 0;
  for (const row of text.split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.+)$/i.exec(row);
    if (!m) continue;
    const start = parseInt(m[1] as string, 16);
    ranges.push({ start, end: start + parseInt(m[2] as string, 16), name: m[3] as string, line: line++ });
  }
  ranges.sort((a, b) => a.start - b.start);
  return (address) => {
    let lo = 0;
    let hi = ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((ranges[mid] as CodeRange).start <= address) lo = mid + 1;
      else hi = mid;
    }
    let best: CodeRange | undefined;
    // A function's code is a few KB: looking back a bounded number of ranges finds every overlap.
    for (let i = lo - 1; i >= 0 && i >= lo - 512; i--) {
      const r = ranges[i] as CodeRange;
      if (address < r.end && (best === undefined || r.line > best.line)) best = r;
    }
    return best?.name;
  };
}

/**
 * A function's display name: `JS:` and V8's tier mark (`*` optimised, `^` baseline, `~`
 * interpreted, `+` Maglev) dropped so that one function's tiers add up, and absolute paths cut to
 * where `node_modules/`, `dist/`, `src/` or `bench/` begins.
 */
export function displayName(raw: string): string {
  return raw
    .replace(/^JS:/, '')
    .replace(/^[*^~+]/, '')
    .replace(/(?:file:\/\/)?\/\S*?\/((?:node_modules|dist|src|bench)\/)/, '$1');
}

/**
 * Self instructions per function from `callgrind_annotate --inclusive=no` output (`<count> (<pct>)
 * <file>:<function> [<object>]`), JIT addresses (`???:0x…`) named by `jitName`. Lines equal to the
 * program total are the frames on the stack when the counters were zeroed (main, the event loop),
 * not work of their own, and are left out.
 */
export function parseAnnotate(text: string, jitName: (address: number) => string | undefined): Map<string, number> {
  const costs = new Map<string, number>();
  const total = /^\s*([\d,]+)\s+(?:\([\s\d.]+%\)\s+)?PROGRAM TOTALS/m.exec(text);
  const totalCount = total ? Number((total[1] as string).replace(/,/g, '')) : undefined;
  let inFunctions = false;
  for (const line of text.split('\n')) {
    if (/\bfile:function\b/.test(line)) {
      inFunctions = true;
      continue;
    }
    if (!inFunctions) continue;
    const m = /^\s*([\d,]+)\s+(?:\([\s\d.]+%\)\s+)?(\S.*?)\s*$/.exec(line);
    if (!m) continue;
    const count = Number((m[1] as string).replace(/,/g, ''));
    if (count === totalCount) continue;
    const where = (m[2] as string).replace(/\s+\[[^\]]*\]$/, '');
    const jit = /^\?\?\?:0x([0-9a-f]+)$/i.exec(where);
    const name = jit ? displayName(jitName(parseInt(jit[1] as string, 16)) ?? 'JIT code (unnamed)') : where.slice(where.indexOf(':') + 1);
    costs.set(name, (costs.get(name) ?? 0) + count);
  }
  return costs;
}

/** Self instructions per function in one callgrind dump file; JIT code named by `perfMap` when given. */
export async function selfCosts(dumpFile: string, perfMap?: string): Promise<Map<string, number>> {
  const { stdout } = await run('callgrind_annotate', ['--inclusive=no', '--threshold=100', dumpFile], { maxBuffer: 256 * 2 ** 20 });
  const lookup = perfMapLookup(perfMap ? await readFile(perfMap, 'utf8').catch(() => '') : '');
  return parseAnnotate(stdout, lookup);
}

/** The `limit` largest entries of `costs` divided by `requests`, as `[name, per request]`, largest first. */
export function topPerRequest(costs: ReadonlyMap<string, number>, requests: number, limit: number): Array<[string, number]> {
  return [...costs]
    .map(([name, count]): [string, number] => [name, count / requests])
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit);
}

/** Per function, `a`'s instructions per request minus `b`'s: the `limit` largest differences. */
export function largestDifferences(a: ReadonlyMap<string, number>, aRequests: number, b: ReadonlyMap<string, number>, bRequests: number, limit: number): Array<[string, number]> {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names]
    .map((name): [string, number] => [name, (a.get(name) ?? 0) / aRequests - (b.get(name) ?? 0) / bRequests])
    .sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]))
    .slice(0, limit);
}
