/**
 * `npm run bench -- realtime [--subscribers N] [--step S] [--rates 1,2,5] [--transport sse|ws] [--all-steps] [--generator c|node] [--warmup S]`:
 * realtime fan-out on one Galley process (SQLite). For each transport, separately: a fresh server,
 * N subscribers on `feed/*` (list rule "" so every write goes to every subscriber) opened by the
 * load generator in another process (bench/realtime-generator.ts, raw TCP sockets, not the SDK),
 * then, after an unmeasured warm-up (`--warmup` seconds at the first rate, 2 by default), writes
 * at increasing rates. Reports per step p50/p99 write-to-delivery latency and deliveries/s, the
 * highest sustained step (every delivery arrived, p99 under the bound), and the server's RSS growth
 * per subscriber.
 *
 * `--generator c` (the default when a C compiler is found): once subscribed, the generator hands its
 * sockets to bench/realtime-receiver.c, compiled here with `cc`, which reads them with one epoll
 * loop; the generator itself then only sends the writes. The load generator shares the 2 cores
 * with the server, so the lighter it reads, the more of the machine the server gets (wrk is C for
 * the same reason). `--generator node` reads in the Node generator, the fallback without a compiler.
 */
import { execFile, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import type { GeneratorConfig, GeneratorMessage, StepResult } from './realtime-generator.js';
import { processCpuSeconds } from './proc-stat.js';
import { ServerProcess } from './server-process.js';
import { freePort } from './targets/galley.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
// From source through tsx (what is measured is the working tree's src/realtime, built or not).
const GALLEY = ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main-entry.ts')];
const SUPERUSER = { email: 'bench@example.com', password: 'bench-password-1234' };
const P99_BOUND_MS = 250;

/** A step's result plus what it cost in CPU time (µs per delivery). */
interface MeasuredStep extends StepResult {
  serverUsPerDelivery: number;
  generatorUsPerDelivery: number;
}

interface RunResult {
  transport: 'sse' | 'ws';
  generator: 'c' | 'node';
  subscribers: number;
  connectMs: number;
  /** Server CPU time spent on the set-up, per subscriber (µs). */
  connectServerUs: number;
  idleRss: number;
  heldRss: number;
  steps: MeasuredStep[];
}

/** CPU time (user + system, ms) the process has used so far; NaN when /proc cannot say. */
function cpuMs(pid: number | undefined): number {
  const seconds = pid === undefined ? undefined : processCpuSeconds(pid);
  return seconds === undefined ? Number.NaN : seconds * 1000;
}

async function api(url: string, method: string, body?: unknown, token?: string): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = token;
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

async function startServer(dir: string): Promise<{ proc: ServerProcess; url: string; token: string }> {
  await promisify(execFile)(process.execPath, [...GALLEY, 'superuser', 'upsert', SUPERUSER.email, SUPERUSER.password, '--dir', dir], { cwd: ROOT });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // GALLEY_BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops.
  const prof = process.env.GALLEY_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.GALLEY_BENCH_CPU_PROF] : [];
  const proc = new ServerProcess(process.execPath, [...prof, ...GALLEY, 'serve', '--dir', dir, '--http', `127.0.0.1:${port}`], {
    cwd: ROOT,
    env: { ...process.env, GALLEY_LOG_LEVEL: 'warn' },
  });
  try {
    // Generous: on a machine busy with other work, loading the source through tsx takes a while.
    await proc.waitForHttp(`${url}/api/health`, 180_000);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  const login = await api(`${url}/api/collections/_superusers/auth-with-password`, 'POST', { identity: SUPERUSER.email, password: SUPERUSER.password });
  const token = String(login.token);
  // Every subscriber connects from 127.0.0.1. No idle or lifetime limit: on a busy machine the
  // set-up may take longer than the 5 min idle timeout, which would close the first subscribers.
  await api(`${url}/api/settings`, 'PATCH', { realtime: { maxConnectionsPerIp: 1_000_000, idleTimeout: 0, maxLifetime: 0 } }, token);
  await api(`${url}/api/collections`, 'POST', { name: 'feed', type: 'base', fields: [{ name: 'title', type: 'text' }], listRule: '', viewRule: '' }, token);
  return { proc, url, token };
}

/**
 * Compiles bench/realtime-receiver.c into a temporary directory; undefined (with the reason
 * printed) when there is no working C compiler, so the bench falls back to the Node generator.
 */
async function compileReceiver(): Promise<{ path: string; dir: string } | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'galley-bench-rt-receiver-'));
  const path = join(dir, 'realtime-receiver');
  const source = fileURLToPath(new URL('./realtime-receiver.c', import.meta.url));
  for (const cc of [process.env.CC, 'cc', 'gcc'].filter((c): c is string => c !== undefined && c !== '')) {
    try {
      await promisify(execFile)(cc, ['-O2', '-o', path, source]);
      return { path, dir };
    } catch (err) {
      console.log(`  (${cc} could not compile bench/realtime-receiver.c: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    }
  }
  await rm(dir, { recursive: true, force: true });
  return undefined;
}

async function runTransport(transport: 'sse' | 'ws', subscribers: number, rates: number[], stepSec: number, warmupSec: number, allSteps: boolean, receiver: string | undefined): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'galley-bench-rt-'));
  const { proc, url, token } = await startServer(dir);
  const generator = fork(fileURLToPath(new URL('./realtime-generator.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const idleRss = proc.rss() ?? 0;
    const result: RunResult = { transport, generator: receiver === undefined ? 'node' : 'c', subscribers, connectMs: 0, connectServerUs: 0, idleRss, heldRss: 0, steps: [] };
    const cfg: GeneratorConfig = { url, token, transport, subscribers, rates, stepSec, warmupSec, allSteps, p99BoundMs: P99_BOUND_MS, ...(receiver === undefined ? {} : { receiver }) };
    const serverCpuAtStart = cpuMs(proc.pid);
    // The generator's CPU time: its own, plus the C receiver's once it holds the sockets.
    let receiverPid: number | undefined;
    const generatorCpuMs = (): number => cpuMs(generator.pid) + (receiverPid === undefined ? 0 : cpuMs(receiverPid));
    let stepCpu = { server: 0, generator: 0, receiver: 0 };
    await new Promise<void>((resolve, reject) => {
      generator.on('message', (m: GeneratorMessage) => {
        if (m.type === 'receiver') receiverPid = m.pid;
        else if (m.type === 'connected') {
          result.connectMs = m.ms;
          result.connectServerUs = ((cpuMs(proc.pid) - serverCpuAtStart) * 1000) / m.subscribers;
          result.heldRss = proc.rss() ?? 0;
          console.log(
            `  ${transport}: ${m.subscribers} subscribers held after ${m.ms} ms (server CPU ${Math.round(result.connectServerUs)} µs per subscriber); server RSS ${mb(idleRss)} idle -> ${mb(result.heldRss)}; load average ${loadavg()[0]?.toFixed(2)}`,
          );
          generator.send('go');
        } else if (m.type === 'warmup') {
          const s = m.result;
          console.log(`  ${transport}: warm-up (not measured), ${s.writesPerSec} writes/s for ${s.writes} writes -> ${s.delivered}/${s.expected} delivered, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms`);
        } else if (m.type === 'stepStart') {
          stepCpu = { server: cpuMs(proc.pid), generator: generatorCpuMs(), receiver: receiverPid === undefined ? 0 : cpuMs(receiverPid) };
        } else if (m.type === 'step') {
          const s = m.result;
          const per = (now: number, before: number): number => (s.delivered > 0 ? ((now - before) * 1000) / s.delivered : Number.NaN);
          const step: MeasuredStep = { ...s, serverUsPerDelivery: per(cpuMs(proc.pid), stepCpu.server), generatorUsPerDelivery: per(generatorCpuMs(), stepCpu.generator) };
          const receiverPart = receiverPid === undefined ? '' : ` (C receiver ${us(per(cpuMs(receiverPid), stepCpu.receiver))})`;
          result.steps.push(step);
          console.log(
            `  ${transport}: ${s.writesPerSec} writes/s -> ${s.delivered}/${s.expected} delivered, ${Math.round(s.deliveriesPerSec)} deliveries/s, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, max ${Math.round(s.maxMs)} ms; CPU per delivery: server ${us(step.serverUsPerDelivery)}, generator ${us(step.generatorUsPerDelivery)}${receiverPart}; load average ${loadavg()[0]?.toFixed(2)}${s.sustained ? '' : '  (not sustained)'}`,
          );
        } else if (m.type === 'done') resolve();
        else reject(new Error(m.message));
      });
      generator.once('exit', (code) => reject(new Error(`generator exited with ${code}`)));
      generator.send(cfg);
    });
    return result;
  } finally {
    if (generator.exitCode === null) generator.kill();
    await proc.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const us = (v: number): string => `${v.toFixed(1)} µs`;

export async function runRealtimeBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      subscribers: { type: 'string', default: '10000' },
      step: { type: 'string', default: '5' },
      rates: { type: 'string', default: '1,2,5,10,15,20,30' },
      transport: { type: 'string' },
      // Run every rate even after one is not sustained (CPU per delivery at higher rates on a busy machine).
      'all-steps': { type: 'boolean', default: false },
      // c: read in bench/realtime-receiver.c (compiled here; node when no compiler); node: in Node.
      generator: { type: 'string', default: 'c' },
      // Seconds of unmeasured writes at the first rate before the first step (0: none).
      warmup: { type: 'string', default: '2' },
    },
  });
  if (values.generator !== 'c' && values.generator !== 'node') throw new Error('--generator is c or node');
  const subscribers = Number(values.subscribers);
  const stepSec = Number(values.step);
  const warmupSec = Number(values.warmup);
  const rates = String(values.rates).split(',').map(Number);
  const transports = (values.transport ? [values.transport] : ['sse', 'ws']) as Array<'sse' | 'ws'>;
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  console.log(`galley realtime bench: ${new Date().toISOString()}`);
  console.log(`machine: ${cpus().length} CPU (${cpuModel}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}; load average ${loadavg()[0]?.toFixed(2)}`);
  console.log(`${subscribers} subscribers per transport, writes at ${rates.join(', ')} per second, ${stepSec} s per step after a ${warmupSec} s warm-up; sustained = all delivered and p99 < ${P99_BOUND_MS} ms`);
  const compiled = values.generator === 'c' ? await compileReceiver() : undefined;
  if (values.generator === 'c' && compiled === undefined) console.log('  no C compiler: the Node generator reads (--generator node)');
  console.log(`generator: ${compiled === undefined ? 'node (reads in Node)' : 'c (bench/realtime-receiver.c reads, Node writes)'}`);
  const results: RunResult[] = [];
  try {
    for (const t of transports) results.push(await runTransport(t, subscribers, rates, stepSec, warmupSec, values['all-steps'] === true, compiled?.path));
  } finally {
    if (compiled !== undefined) await rm(compiled.dir, { recursive: true, force: true });
  }
  console.log('');
  console.log('| transport | generator | subscribers held | set-up (server CPU per subscriber) | RSS per subscriber | highest sustained deliveries/s | p50 | p99 | server CPU per delivery (last step) | generator CPU per delivery |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const best = r.steps.filter((s) => s.sustained).sort((a, b) => b.deliveriesPerSec - a.deliveriesPerSec)[0];
    const last = r.steps.at(-1);
    const perSub = ((r.heldRss - r.idleRss) / r.subscribers / 1024).toFixed(1);
    console.log(
      `| ${r.transport} | ${r.generator} | ${r.subscribers} | ${(r.connectMs / 1000).toFixed(1)} s (${Math.round(r.connectServerUs)} µs) | ${perSub} KiB | ${best ? `${Math.round(best.deliveriesPerSec)} (${best.writesPerSec} writes/s)` : 'none'} | ${best ? `${best.p50Ms} ms` : '-'} | ${best ? `${best.p99Ms} ms` : '-'} | ${last ? us(last.serverUsPerDelivery) : '-'} | ${last ? us(last.generatorUsPerDelivery) : '-'} |`,
    );
  }
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  return 0;
}
