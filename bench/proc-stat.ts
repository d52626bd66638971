/**
 * Server CPU time from /proc/<pid>/stat (Linux): user + system time of the whole process (all its
 * threads: JS, libuv pool, SQLite), the load-robust cost measure of the benchmark. Wall-clock
 * req/s on a shared 2-core machine moves with everyone else's work; CPU seconds spent per request
 * move much less.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface CpuTicks {
  utime: number;
  stime: number;
}

/**
 * Parses the text of /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself
 * contain spaces and parentheses, so fields are counted from the LAST `)`: utime and stime are
 * fields 14 and 15 (proc(5)), i.e. the 12th and 13th after the name.
 */
export function parseProcStat(text: string): CpuTicks | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) return undefined;
  return { utime, stime };
}

let ticksPerSecond: number | undefined;

/** `getconf CLK_TCK` (100 on every common Linux), read once. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU seconds (user + system) the process has used so far; undefined when /proc is unavailable. */
export function processCpuSeconds(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const ticks = parseProcStat(text);
  return ticks ? (ticks.utime + ticks.stime) / clockTicksPerSecond() : undefined;
}

/** Microseconds of CPU per request over a window; undefined without both readings or requests. */
export function cpuMicrosPerRequest(before: number | undefined, after: number | undefined, requests: number): number | undefined {
  if (before === undefined || after === undefined || requests <= 0) return undefined;
  return ((after - before) * 1e6) / requests;
}
