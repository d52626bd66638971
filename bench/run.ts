/**
 * `npm run bench [-- --quick] [-- --pg] [-- --json FILE] [-- --profile DIR] [-- --self] [-- --galley-root DIR] [-- --ab DIR] [-- --ab-logs-min-level N]`: loads the
 * same users and posts into the hand-written baseline and into Galley (SQLite, or PostgreSQL with
 * `--pg`), checks both answer every sample request with the same bytes, drives load with
 * autocannon and prints req/s, server CPU µs per request, p50/p99 and server RSS with ratios to
 * the baseline of this run, then issue 12's targets (met or not, by CPU and by req/s).
 *
 * Exit code 1 when any target answers different bytes than the baseline or answers non-2xx under
 * load; timing (including timeouts on an overloaded machine) never fails the run.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hashPassword } from '../src/auth/password.js';
import { compareResponses } from './compare-responses.js';
import type { Mismatch, Session } from './compare-responses.js';
import { createDatasetFile, generatePosts, generateUsers, USER_PASSWORD } from './dataset.js';
import type { DatasetInfo, UserRow } from './dataset.js';
import { judgeTargets, renderVerdicts } from './issue-targets.js';
import { runLoad } from './load.js';
import type { LoadResult } from './load.js';
import { installPeers, measurePeers } from './peers/index.js';
import { backendPids, createDatabase, dropDatabase, loadPg } from './pg-data.js';
import { cpuMicrosPerRequest, processCpuSeconds } from './proc-stat.js';
import { renderTable } from './report-table.js';
import type { Measurement } from './report-table.js';
import { benchUser, scenarioSlug, scenarios } from './scenarios.js';
import { signIn } from './sign-in.js';
import type { Scenario } from './scenarios.js';
import type { Target } from './server-process.js';
import { subscribe } from './sse-subscriber.js';
import type { SseSubscriber } from './sse-subscriber.js';
import { startBaseline } from './targets/baseline.js';
import { OWN_ROOT, startGalley } from './targets/galley.js';
import type { GalleyTarget } from './targets/galley.js';

// `npm run bench -- realtime …`: the realtime fan-out bench (bench/realtime.ts), its own flags.
if (process.argv[2] === 'realtime') {
  const { runRealtimeBench } = await import('./realtime.js');
  process.exit(await runRealtimeBench(process.argv.slice(3)));
}
// `npm run bench -- instructions …`: instructions per request under callgrind (bench/instructions.ts).
if (process.argv[2] === 'instructions') {
  const { runInstructionsBench } = await import('./instructions.js');
  process.exit(await runInstructionsBench(process.argv.slice(3)));
}

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    self: { type: 'boolean', default: false },
    pg: { type: 'boolean', default: false },
    'pg-url': { type: 'string' },
    records: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    rounds: { type: 'string' },
    json: { type: 'string' },
    profile: { type: 'string' },
    peers: { type: 'boolean', default: false },
    'galley-root': { type: 'string' },
    ab: { type: 'string' },
    'ab-logs-min-level': { type: 'string' },
  },
});

const quick = args.quick ?? false;
const pgUrl = args.pg ? (args['pg-url'] ?? process.env.GALLEY_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test') : undefined;
const settings = {
  records: Number(args.records ?? (quick ? 10_000 : 100_000)),
  durationSec: Number(args.duration ?? (quick ? 1 : 10)),
  warmupSec: quick ? 0.3 : 2,
  connections: Number(args.connections),
  // The count bound: generous enough never to cut a healthy run short, but a hard stop.
  maxRequests: quick ? 300_000 : 1_000_000,
  // Targets are measured in alternation, `rounds` times each, and the median run is reported:
  // on a shared 2-core machine that cancels most of the drift between back-to-back runs.
  rounds: Number(args.rounds ?? (quick ? 1 : 3)),
};

const BASELINE = 'baseline';
const GALLEY = 'galley';
/** `--ab DIR`: a second Galley from another built checkout, measured in the same alternating rounds. */
const GALLEY_AB = 'galley-ab';
const galleyRoot = args['galley-root'] ? resolve(args['galley-root']) : undefined;
/**
 * `--ab-logs-min-level N`: the second Galley runs with `logs.minLevel = N` (4: no request logs for
 * successes), from `--ab DIR` or else this checkout: what a request log costs, in the same rounds.
 */
const abLogsMinLevel = args['ab-logs-min-level'] !== undefined ? Number(args['ab-logs-min-level']) : undefined;
if (abLogsMinLevel !== undefined && !Number.isInteger(abLogsMinLevel)) throw new Error('--ab-logs-min-level needs an integer (slog levels: -4, 0, 4, 8)');
const abRoot = args.ab ? resolve(args.ab) : abLogsMinLevel !== undefined ? (galleyRoot ?? OWN_ROOT) : undefined;

function machine(): string {
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(safeRead('/proc/cpuinfo'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return `${cpus().length} CPU (${cpuModel}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}`;
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const mb = (bytes: number | undefined) => (bytes === undefined ? '-' : `${(bytes / 2 ** 20).toFixed(1)} MB`);

interface Run {
  result: LoadResult;
  rss: number | undefined;
  cpuUs: number | undefined;
  dbCpuUs: number | undefined;
}

const cpuByPid = (pids: readonly number[]) => new Map(pids.map((pid) => [pid, processCpuSeconds(pid)]));
/** CPU seconds of the backends alive at both ends: one that exited mid-run (a pool's idle timeout) would count negative. */
const sumCpu = (cpu: Map<number, number | undefined>, alive: Map<number, number | undefined>) =>
  [...cpu].reduce((n, [pid, s]) => n + (s !== undefined && alive.get(pid) !== undefined ? s : 0), 0);

async function measure(target: Target, scenario: Scenario, headers: Record<string, string>): Promise<Run> {
  const connections = Math.min(settings.connections, scenario.connections ?? settings.connections);
  const load = { url: target.url, requests: scenario.load, connections, maxRequests: settings.maxRequests, headers };
  await runLoad({ ...load, durationSec: settings.warmupSec });
  // The pool's connections are open after the warm-up; a backend that appears later is not counted.
  const dbPids = target.databaseProcesses ? await target.databaseProcesses() : undefined;
  const stopSampling = target.process.sampleRss();
  const dbStart = dbPids ? cpuByPid(dbPids) : undefined;
  const cpuBefore = target.process.cpuSeconds();
  const result = await runLoad({ ...load, durationSec: Math.max(settings.durationSec, scenario.minDurationSec ?? 0) });
  const cpuAfter = target.process.cpuSeconds();
  const dbEnd = dbPids ? cpuByPid(dbPids) : undefined;
  const dbBefore = dbStart && dbEnd ? sumCpu(dbStart, dbEnd) : undefined;
  const dbAfter = dbStart && dbEnd ? sumCpu(dbEnd, dbStart) : undefined;
  const rss = stopSampling();
  return {
    result,
    rss,
    cpuUs: cpuMicrosPerRequest(cpuBefore, cpuAfter, result.total),
    dbCpuUs: cpuMicrosPerRequest(dbBefore, dbAfter, result.total),
  };
}

function medianOf(values: ReadonlyArray<number | undefined>): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  return defined[Math.floor(defined.length / 2)];
}

const optional = <K extends string>(key: K, value: number | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, number>));

function toMeasurement(scenario: string, target: string, all: Run[], extraNote?: string): Measurement | undefined {
  const sorted = [...all].sort((a, b) => a.result.requestsPerSec - b.result.requestsPerSec);
  const median = sorted[Math.floor(sorted.length / 2)];
  if (!median) return undefined;
  const notes = [...(all.length > 1 ? [`median of ${all.length}`] : []), ...(extraNote ? [extraNote] : [])];
  return {
    scenario,
    target,
    requestsPerSec: median.result.requestsPerSec,
    // CPU per request: the median over the rounds on its own (not the req/s-median run's value).
    ...optional('cpuUsPerRequest', medianOf(all.map((r) => r.cpuUs))),
    ...optional('dbCpuUsPerRequest', medianOf(all.map((r) => r.dbCpuUs))),
    p50Ms: median.result.p50Ms,
    p99Ms: median.result.p99Ms,
    rssBytes: Math.max(...all.map((r) => r.rss ?? 0)) || undefined,
    failures: all.reduce((n, r) => n + r.result.failures, 0),
    errors: all.reduce((n, r) => n + r.result.errors, 0),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

async function main(): Promise<number> {
  const started = Date.now();
  const mode = pgUrl ? 'PostgreSQL' : 'SQLite';
  console.log(`galley bench${quick ? ' --quick' : ''} (${mode}): ${new Date().toISOString()}`);
  console.log(`machine: ${machine()}`);
  const loadBefore = loadavg()[0] ?? 0;
  console.log(`load average (1 min) before the run: ${loadBefore.toFixed(2)}`);
  if (loadBefore > cpus().length * 0.5) {
    console.log('warning: the machine is busy with other work; req/s and latency will be noisy (CPU µs/request much less so)');
  }
  console.log(
    `load: autocannon in this process, ${settings.connections} connections, ${settings.durationSec} s per run (+${settings.warmupSec} s warm-up), at most ${settings.maxRequests} requests, ${settings.rounds} alternating round(s) per target; it shares the cores with the server under test`,
  );
  // --peers (bench/peers/): installed first, so an unreachable registry fails before any run.
  const peers = args.peers ? await installPeers() : undefined;
  if (args.peers && !peers) return 2;
  const tmp = mkdtempSync(join(tmpdir(), 'galley-bench-data-'));
  const databases: string[] = [];
  const targets: Target[] = [];
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      for (const t of [...targets].reverse()) await t.stop().catch(() => {});
      rmSync(tmp, { recursive: true, force: true });
      if (pgUrl) for (const name of databases) await dropDatabase(pgUrl, name).catch((err: unknown) => console.error(`dropping ${name}: ${String(err)}`));
    })());
  const notes: string[] = [];
  const allMismatches: Mismatch[] = [];
  const measurements: Measurement[] = [];
  // Interrupted (Ctrl-C, CI's timeout): report what was measured, stop the servers and drop the
  // databases before leaving.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`bench: ${signal}, stopping the servers`);
      if (measurements.length > 0) console.log(`\n${renderTable(measurements, BASELINE)}\n`);
      console.log(
        `bench summary: ${pgUrl ? 'PostgreSQL' : 'SQLite'}, INTERRUPTED after ${measurements.filter((m) => m.target === GALLEY).length} scenarios, ${allMismatches.length === 0 ? 'same bytes so far' : `WRONG BYTES in ${allMismatches.length} answer(s)`}, ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  let galley: GalleyTarget | undefined;
  let failed = false;
  try {
    const t0 = Date.now();
    const users: UserRow[] = generateUsers(await hashPassword(USER_PASSWORD));
    const data: DatasetInfo = createDatasetFile(join(tmp, 'baseline.db'), settings.records, users);
    let baselineDb = data.file;
    let galleyDb: string | undefined;
    let abDb: string | undefined;
    if (pgUrl) {
      const run = `galley_bench_${Date.now().toString(36)}_${process.pid}`;
      databases.push(`${run}_b`, `${run}_g`);
      baselineDb = await createDatabase(pgUrl, `${run}_b`);
      await loadPg(baselineDb, generatePosts(settings.records), users, true);
      galleyDb = await createDatabase(pgUrl, `${run}_g`);
      if (abRoot) {
        databases.push(`${run}_a`);
        abDb = await createDatabase(pgUrl, `${run}_a`);
      }
    }
    console.log(`data: ${data.count} posts (${data.published.length} published), ${users.length} users in ${Date.now() - t0} ms`);

    const baseline = await startBaseline(BASELINE, baselineDb);
    targets.push(baseline);
    const [baselineDbName, galleyDbName] = databases;
    if (pgUrl && baselineDbName) baseline.databaseProcesses = () => backendPids(pgUrl, baselineDbName);
    const galleyStart = await startGalley({
      name: GALLEY,
      records: settings.records,
      users,
      ...(galleyDb ? { pgUrl: galleyDb } : {}),
      ...(galleyRoot ? { root: galleyRoot } : {}),
    });
    if ('target' in galleyStart) {
      galley = galleyStart.target;
      if (pgUrl && galleyDbName) galley.databaseProcesses = () => backendPids(pgUrl, galleyDbName);
      targets.push(galley);
      console.log(
        `galley: ready in ${galley.readyMs.empty.toFixed(0)} ms on an empty ${pgUrl ? 'database' : 'data dir'}, ${galley.readyMs.loaded.toFixed(0)} ms restarted on the loaded data (spawn -> first 200 from /api/health)`,
      );
    } else {
      notes.push(`galley: ${galleyStart.unavailable}`);
      console.log(`galley: not available yet — ${galleyStart.unavailable}`);
    }
    if (abRoot) {
      const abStart = await startGalley({
        name: GALLEY_AB,
        records: settings.records,
        users,
        root: abRoot,
        ...(abDb ? { pgUrl: abDb } : {}),
        ...(abLogsMinLevel !== undefined ? { logsMinLevel: abLogsMinLevel } : {}),
      });
      if (!('target' in abStart)) throw new Error(`--ab ${abRoot}: ${abStart.unavailable}`);
      const abDbName = databases[2];
      if (pgUrl && abDbName) abStart.target.databaseProcesses = () => backendPids(pgUrl, abDbName);
      targets.push(abStart.target);
      const level = abLogsMinLevel !== undefined ? `, logs.minLevel = ${abLogsMinLevel}` : '';
      console.log(`${GALLEY_AB} (${abRoot}${level}): ready in ${abStart.target.readyMs.loaded.toFixed(0)} ms restarted on the loaded data`);
    }
    if (!pgUrl && (args.self || targets.length === 1)) {
      // The baseline measured against a second copy of itself: proves the harness (byte check,
      // load, table) end to end, and shows the run-to-run noise of this machine (ratios ~1.0).
      const copy = join(tmp, 'baseline-copy.db');
      copyFileSync(data.file, copy);
      targets.push(await startBaseline('baseline-copy', copy));
    }
    const idle = new Map(targets.map((t) => [t.name, t.process.rss()]));
    for (const t of targets) console.log(`${t.name}: pid ${t.process.pid}, idle RSS ${mb(idle.get(t.name))}`);

    const user = benchUser(data);
    const tokens = new Map<string, string>();
    for (const t of targets) tokens.set(t.name, await signIn(t, user.email));
    const sessionOf = (t: Target, scenario: Scenario): Session => ({
      name: t.name,
      url: t.url,
      headers: scenario.as === 'user' ? { authorization: tokens.get(t.name) ?? '' } : {},
    });

    const profileDir = args.profile ? resolve(args.profile) : undefined;
    if (profileDir) mkdirSync(profileDir, { recursive: true });

    // Peers before the scenarios that write, while the baseline holds only the rows they also have.
    const peerScenarios = scenarios(data).filter((s) => !args.only || s.name.includes(args.only));
    const peerRows = peers ? await measurePeers({ installed: peers, baseline, scenarios: peerScenarios, settings, records: settings.records }) : undefined;
    for (const scenario of scenarios(data)) {
      if (args.only && !scenario.name.includes(args.only)) continue;
      if (profileDir && galley) {
        await galley.restart(['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `${scenarioSlug(scenario.name)}.cpuprofile`]);
      }
      const subscribers = new Map<string, SseSubscriber>();
      try {
        if (scenario.realtime) for (const t of targets) subscribers.set(t.name, await subscribe(t.url, 'posts/*'));
        const others = targets.filter((t) => t.name !== BASELINE).map((t) => sessionOf(t, scenario));
        const mismatches = await compareResponses(sessionOf(baseline, scenario), others, scenario.compare, scenario.normalise);
        const mismatched = new Set(mismatches.map((m) => m.target));
        for (const m of mismatches.slice(0, 5)) console.error(`DIFFERENT BYTES ${scenario.name} / ${m.target} ${m.path}: ${m.detail}`);
        allMismatches.push(...mismatches);
        if (mismatches.length > 0) failed = true;
        const runs = new Map<string, Run[]>();
        for (let round = 0; round < settings.rounds; round++) {
          for (const target of targets) {
            if (mismatched.has(target.name)) continue;
            const run = await measure(target, scenario, sessionOf(target, scenario).headers);
            if (run.result.failures > 0) failed = true;
            runs.set(target.name, [...(runs.get(target.name) ?? []), run]);
            const cpu = run.cpuUs === undefined ? '' : `, ${run.cpuUs.toFixed(0)} µs CPU/req`;
            console.log(`  ${scenario.name} / ${target.name} round ${round + 1}: ${run.result.requestsPerSec.toFixed(0)} req/s${cpu}`);
          }
        }
        for (const target of targets) {
          if (mismatched.has(target.name)) {
            measurements.push({ scenario: scenario.name, target: target.name, note: 'answers differ from the baseline; not measured' });
            continue;
          }
          const sub = subscribers.get(target.name);
          const m = toMeasurement(scenario.name, target.name, runs.get(target.name) ?? [], sub ? `${sub.events} SSE events received` : undefined);
          if (m) measurements.push(m);
        }
      } finally {
        for (const s of subscribers.values()) s.close();
      }
      // The profile is written when the profiled server exits.
      if (profileDir && galley) await galley.restart([]);
    }
    if (galley === undefined) measurements.push({ scenario: 'all', target: GALLEY, note: 'not available yet' });
    if (peerRows) {
      measurements.push(...peerRows.measurements);
      failed ||= peerRows.failed;
    }

    console.log('');
    console.log(renderTable(measurements, BASELINE));
    console.log('');
    console.log(
      'Ratios in parentheses are to the baseline row of the same scenario (req/s: higher is better; CPU µs/req, latency and RSS: lower is better). CPU is the server process\'s user + system time over the measured run / requests. RSS is the peak during the measured runs.',
    );
    const verdicts = galley
      ? judgeTargets(measurements, {
          baseline: BASELINE,
          galley: GALLEY,
          pg: pgUrl !== undefined,
          ...(idle.get(GALLEY) === undefined ? {} : { idleRssBytes: idle.get(GALLEY) as number }),
          readyMs: galley.readyMs.loaded,
        })
      : [];
    if (verdicts.length > 0) console.log(`\nissue 12 targets (CPU ratio = baseline µs / Galley µs per request):\n${renderVerdicts(verdicts)}`);
    if (profileDir) console.log(`\nCPU profiles of the Galley server, one per scenario: ${profileDir}`);
    for (const n of notes) console.log(`note: ${n}`);
    const loadAfter = loadavg()[0] ?? 0;
    console.log(`load average (1 min) after the run: ${loadAfter.toFixed(2)}`);

    if (args.json) {
      const file = resolve(args.json);
      writeFileSync(
        file,
        `${JSON.stringify(
          {
            date: new Date(started).toISOString(),
            mode,
            quick,
            machine: machine(),
            node: process.version,
            loadAverage: { before: loadBefore, after: loadAfter },
            settings,
            galley: galley ? { readyMs: galley.readyMs, idleRssBytes: idle.get(GALLEY) } : undefined,
            baseline: { idleRssBytes: idle.get(BASELINE) },
            measurements,
            targets: verdicts,
            mismatches: allMismatches,
            failed,
          },
          null,
          2,
        )}\n`,
      );
      console.log(`results: ${file}`);
    }
    const wrong = allMismatches.length;
    const non2xx = measurements.reduce((n, m) => n + (m.failures ?? 0), 0);
    const byCpu = verdicts.filter((v) => v.metByCpu !== undefined);
    console.log(
      `bench summary: ${mode}, ${measurements.filter((m) => m.target === GALLEY).length} scenarios, ${wrong === 0 ? 'same bytes' : `WRONG BYTES in ${wrong} answer(s)`}, ${non2xx} non-2xx, targets met by CPU ${byCpu.filter((v) => v.metByCpu).length}/${byCpu.length}, total ${((Date.now() - started) / 1000).toFixed(1)} s${failed ? ' — FAILED (see above)' : ''}`,
    );
  } finally {
    await cleanup();
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
