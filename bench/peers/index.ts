/**
 * `npm run bench -- --peers`: Directus 11 (SQLite) and Parse Server 8 (PostgreSQL) on the same
 * posts and the same scenarios as Galley, measured with the same load runner before the other
 * targets' scenarios (some of those write), one peer running at a time. Installs them once into
 * bench/.peers/ (git-ignored).
 *
 * The peers answer in their own shapes, so instead of the byte check each sample request is
 * checked against the baseline's answer by status, record ids (in order) and total count.
 * Scenarios the peers cannot express (see pocketbase-request.ts) are named in the log, not measured.
 */
import { processCpuSeconds } from '../proc-stat.js';
import { runLoad } from '../load.js';
import type { LoadResult } from '../load.js';
import type { Measurement } from '../report-table.js';
import type { Target } from '../server-process.js';
import { installDirectus, startDirectus } from './directus.js';
import type { DirectusInstall } from './directus.js';
import { PeerSetupError } from './install-peer.js';
import type { InstalledPeer } from './install-peer.js';
import { installParse, startParse } from './parse-server.js';
import type { PeerTarget } from './peer-target.js';
import { parsePocketBaseRequest, summarizePocketBaseAnswer } from './pocketbase-request.js';
import type { AnswerSummary, PocketBaseRequest } from './pocketbase-request.js';

export { PeerSetupError } from './install-peer.js';
export type { PeerTarget } from './peer-target.js';
// Each starter gives a `Target` (plus translation) on its own, for scripts that want one peer.
export { startDirectus, startParse };

/** A request of a scenario: a GET path, or a request object (only bodiless GETs translate). */
export type PeerRequest = string | { method: string; path: string; body?: unknown };

export interface PeerScenario {
  name: string;
  /** Scenarios of signed-in users have no peer equivalent yet (peers would need their users). */
  as?: string;
  load: readonly PeerRequest[];
  compare: readonly PeerRequest[];
}

function guestGet(request: PeerRequest): PocketBaseRequest | undefined {
  if (typeof request === 'string') return parsePocketBaseRequest(request);
  return request.method === 'GET' && request.body === undefined ? parsePocketBaseRequest(request.path) : undefined;
}

export interface PeerSettings {
  connections: number;
  durationSec: number;
  warmupSec: number;
  maxRequests: number;
  rounds: number;
}

export interface InstalledPeers {
  directus: DirectusInstall;
  parse: InstalledPeer;
}

/**
 * Installs (or finds cached) every peer. When that is impossible (registry unreachable, a failed
 * build) it prints why and returns undefined: the caller exits non-zero before measuring anything.
 */
export async function installPeers(log: (line: string) => void = console.log): Promise<InstalledPeers | undefined> {
  try {
    const directus = await installDirectus(log);
    const parse = await installParse(log);
    log(`peers: Directus ${directus.version} (Node ${directus.nodeVersion}), Parse Server ${parse.version} (Node ${process.versions.node})`);
    return { directus, parse };
  } catch (err) {
    if (!(err instanceof PeerSetupError)) throw err;
    console.error(err.message);
    return undefined;
  }
}

interface Translated {
  load: string[];
  compare: Array<{ path: string; request: PocketBaseRequest; peerPath: string }>;
}

function translateScenario(peer: PeerTarget, scenario: PeerScenario): Translated | undefined {
  if (scenario.as !== undefined && scenario.as !== 'guest') return undefined;
  const load: string[] = [];
  for (const r of scenario.load) {
    const request = guestGet(r);
    if (!request) return undefined;
    load.push(peer.translate(request));
  }
  const compare: Translated['compare'] = [];
  for (const r of scenario.compare) {
    const request = guestGet(r);
    if (!request) return undefined;
    compare.push({ path: typeof r === 'string' ? r : r.path, request, peerPath: peer.translate(request) });
  }
  return { load, compare };
}

async function fetchJson(url: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/** Why the peer's answer is not the baseline's, or undefined when it is the same answer. */
function difference(expected: AnswerSummary, actual: AnswerSummary): string | undefined {
  if (expected.status === 200) {
    if (actual.status !== 200) return `status ${actual.status}, baseline 200`;
  } else if (expected.status === 404) {
    // Directus answers 403 for an item the caller may not see (it does not tell hidden from missing).
    if (actual.status !== 404 && actual.status !== 403) return `status ${actual.status}, baseline 404`;
    return undefined;
  } else if (actual.status !== expected.status) {
    return `status ${actual.status}, baseline ${expected.status}`;
  }
  if (actual.ids.join(',') !== expected.ids.join(',')) return `ids [${actual.ids.slice(0, 3).join(',')}…] (${actual.ids.length}), baseline [${expected.ids.slice(0, 3).join(',')}…] (${expected.ids.length})`;
  if (expected.total !== undefined && actual.total !== expected.total) return `total ${actual.total}, baseline ${expected.total}`;
  return undefined;
}

async function checkAnswers(baseline: Target, peer: PeerTarget, compare: Translated['compare']): Promise<string | undefined> {
  for (const { path, request, peerPath } of compare) {
    const b = await fetchJson(baseline.url + path, {});
    const p = await fetchJson(peer.url + peerPath, peer.headers);
    const diff = difference(summarizePocketBaseAnswer(request, b.status, b.body), peer.summarize(request, p.status, p.body));
    if (diff) return `${peerPath}: ${diff}`;
  }
  return undefined;
}

/** CPU seconds of the server process plus its database processes (absent ones count 0). */
async function cpuSeconds(peer: PeerTarget, databasePids: readonly number[]): Promise<{ server?: number; database: number }> {
  const server = processCpuSeconds(peer.process.pid);
  let database = 0;
  for (const pid of databasePids) database += processCpuSeconds(pid) ?? 0;
  return { ...(server === undefined ? {} : { server }), database };
}

interface Run {
  result: LoadResult;
  rss: number | undefined;
  cpuServerUs?: number;
  cpuDatabaseUs?: number;
}

async function measureScenario(peer: PeerTarget, load: string[], settings: PeerSettings, log: (line: string) => void, scenarioName: string): Promise<Run[]> {
  const runs: Run[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    const options = { url: peer.url, paths: load, connections: settings.connections, maxRequests: settings.maxRequests, headers: peer.headers };
    await runLoad({ ...options, durationSec: settings.warmupSec });
    // After the warm-up: the peer's database connection pool is open, so its backends are known.
    const databasePids = (await peer.databaseProcesses?.()) ?? [];
    const before = await cpuSeconds(peer, databasePids);
    const stopSampling = peer.process.sampleRss();
    const result = await runLoad({ ...options, durationSec: settings.durationSec });
    const rss = stopSampling();
    const after = await cpuSeconds(peer, databasePids);
    const perRequest = (a: number | undefined, b: number | undefined) =>
      a === undefined || b === undefined || result.total === 0 ? undefined : ((a - b) * 1e6) / result.total;
    const cpuServerUs = perRequest(after.server, before.server);
    const cpuDatabaseUs = databasePids.length > 0 ? perRequest(after.database, before.database) : undefined;
    runs.push({ result, rss, ...(cpuServerUs === undefined ? {} : { cpuServerUs }), ...(cpuDatabaseUs === undefined ? {} : { cpuDatabaseUs }) });
    log(`  ${scenarioName} / ${peer.name} round ${round + 1}: ${result.requestsPerSec.toFixed(0)} req/s`);
  }
  return runs;
}

function toMeasurement(scenario: string, peer: PeerTarget, runs: Run[]): Measurement | undefined {
  const sorted = [...runs].sort((a, b) => a.result.requestsPerSec - b.result.requestsPerSec);
  const median = sorted[Math.floor(sorted.length / 2)];
  if (!median) return undefined;
  const notes: string[] = [];
  // The CPU column is the server process, as for Galley; a PostgreSQL peer's database work runs in
  // other processes and is shown beside it.
  if (median.cpuDatabaseUs !== undefined) notes.push(`+ PostgreSQL backends ${median.cpuDatabaseUs.toFixed(0)} µs CPU/req`);
  if (runs.length > 1) notes.push(`median of ${runs.length}`);
  return {
    scenario,
    target: peer.name,
    requestsPerSec: median.result.requestsPerSec,
    ...(median.cpuServerUs === undefined ? {} : { cpuUsPerRequest: median.cpuServerUs }),
    p50Ms: median.result.p50Ms,
    p99Ms: median.result.p99Ms,
    rssBytes: Math.max(...runs.map((r) => r.rss ?? 0)) || undefined,
    failures: runs.reduce((n, r) => n + r.result.failures, 0),
    errors: runs.reduce((n, r) => n + r.result.errors, 0),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

export interface PeersOptions {
  installed: InstalledPeers;
  baseline: Target;
  scenarios: readonly PeerScenario[];
  settings: PeerSettings;
  records: number;
  /** Only these peers (default: all). */
  only?: readonly string[];
  log?: (line: string) => void;
}

/**
 * Starts each peer in turn, checks its answers, measures every scenario it can express and stops
 * it. `failed` is set when a peer cannot start, answers differently from the baseline, or answers
 * non-2xx under load: set-up or correctness problems, never timing.
 */
export async function measurePeers(options: PeersOptions): Promise<{ measurements: Measurement[]; failed: boolean }> {
  const log = options.log ?? console.log;
  const starters: Array<{ name: string; start: () => Promise<PeerTarget> }> = [
    { name: 'directus', start: () => startDirectus(options.installed.directus, options.records) },
    { name: 'parse', start: () => startParse(options.installed.parse, options.records) },
  ].filter((s) => !options.only || options.only.includes(s.name));
  const measurements: Measurement[] = [];
  let failed = false;
  for (const starter of starters) {
    const t0 = Date.now();
    let peer: PeerTarget;
    try {
      peer = await starter.start();
    } catch (err) {
      failed = true;
      const message = err instanceof Error ? err.message : String(err);
      console.error(`peers: ${starter.name} failed to start: ${message}`);
      measurements.push({ scenario: 'all', target: starter.name, note: `failed to start: ${message.split('\n')[0]}` });
      continue;
    }
    try {
      log(`${peer.name}: ${peer.label}, set up (install cached, schema, ${options.records} rows, start) in ${Date.now() - t0} ms, pid ${peer.process.pid}, idle RSS ${((peer.process.rss() ?? 0) / 2 ** 20).toFixed(1)} MB`);
      const skipped: string[] = [];
      for (const scenario of options.scenarios) {
        const translated = translateScenario(peer, scenario);
        if (!translated) {
          skipped.push(scenario.name);
          continue;
        }
        const diff = await checkAnswers(options.baseline, peer, translated.compare);
        if (diff) {
          failed = true;
          console.error(`DIFFERENT ANSWER ${peer.name} ${diff}`);
          measurements.push({ scenario: scenario.name, target: peer.name, note: 'answers differ from the baseline; not measured' });
          continue;
        }
        const runs = await measureScenario(peer, translated.load, options.settings, log, scenario.name);
        const m = toMeasurement(scenario.name, peer, runs);
        if (m) {
          if (m.failures) failed = true;
          measurements.push(m);
        }
      }
      if (skipped.length > 0) log(`${peer.name}: not measured (signed-in or writing scenarios, no equivalent request yet): ${skipped.join(', ')}`);
    } finally {
      await peer.stop().catch((err: unknown) => console.error(`peers: stopping ${peer.name}: ${String(err)}`));
    }
  }
  return { measurements, failed };
}
