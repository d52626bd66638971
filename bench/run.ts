/**
 * `npm run bench [-- --quick] [-- --self]`: loads the same posts into the hand-written baseline
 * and into Galley, checks both answer every sample request with the same bytes, drives load with
 * autocannon and prints req/s, p50/p99 and server RSS with ratios to the baseline of this run.
 *
 * Exit code 1 when any target answers different bytes than the baseline or answers non-2xx under
 * load; timing (including timeouts on an overloaded machine) never fails the run.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareResponses } from './compare-responses.js';
import { hashPassword } from '../src/auth/password.js';
import { createDatasetFile, generateUsers, USER_PASSWORD } from './dataset.js';
import type { DatasetInfo } from './dataset.js';
import { runLoad } from './load.js';
import type { LoadResult } from './load.js';
import { renderTable } from './report-table.js';
import type { Measurement } from './report-table.js';
import type { Target } from './server-process.js';
import { startBaseline } from './targets/baseline.js';
import { startGalley } from './targets/galley.js';

// `npm run bench -- realtime …`: the realtime fan-out bench (bench/realtime.ts), its own flags.
if (process.argv[2] === 'realtime') {
  const { runRealtimeBench } = await import('./realtime.js');
  process.exit(await runRealtimeBench(process.argv.slice(3)));
}

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    self: { type: 'boolean', default: false },
    records: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    rounds: { type: 'string' },
  },
});

const quick = args.quick ?? false;
const settings = {
  records: Number(args.records ?? (quick ? 10_000 : 100_000)),
  durationSec: Number(args.duration ?? (quick ? 3 : 10)),
  warmupSec: quick ? 1 : 2,
  connections: Number(args.connections),
  // The count bound: generous enough never to cut a healthy run short, but a hard stop.
  maxRequests: quick ? 300_000 : 1_000_000,
  // Targets are measured in alternation, `rounds` times each, and the median run is reported:
  // on a shared 2-core machine that cancels most of the drift between back-to-back runs.
  rounds: Number(args.rounds ?? (quick ? 1 : 3)),
};

const BASELINE = 'baseline';
const RECORDS = '/api/collections/posts/records';

interface Scenario {
  name: string;
  /** Paths driven under load (cycled). */
  load: string[];
  /** Paths whose answers must be byte-identical on every target (includes 404s and edge cases). */
  compare: string[];
}

function scenarios(data: DatasetInfo): Scenario[] {
  const view = (id: string) => `${RECORDS}/${id}`;
  const published = data.published.slice(0, 200);
  const list = (page: number, min: number, extra = '') =>
    `${RECORDS}?page=${page}&perPage=20&sort=-created&filter=${encodeURIComponent(`views > ${min}`)}${extra}`;
  // Selective filters (0.5-1.5 % of the rows): a realistic page of "popular posts", and a COUNT(*)
  // that stays an index range scan instead of counting the whole table on every request.
  const listPaths = (extra: string) => [1, 2, 3].flatMap((page) => [985, 990, 995].map((min) => list(page, min, extra)));
  return [
    {
      name: 'get-by-id (view rule)',
      load: published.map(view),
      compare: [...published.slice(0, 20).map(view), ...data.hidden.slice(0, 5).map(view), view('doesnotexist000')],
    },
    {
      name: 'list-20 (filter+sort+rule)',
      load: listPaths(''),
      compare: [...listPaths(''), `${RECORDS}?page=9999&perPage=20&sort=-created&filter=${encodeURIComponent('views > 990')}`],
    },
    {
      name: 'list-20 skipTotal',
      load: listPaths('&skipTotal=1'),
      compare: listPaths('&skipTotal=1'),
    },
  ];
}

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

async function main(): Promise<number> {
  const started = Date.now();
  console.log(`galley bench${quick ? ' --quick' : ''}: ${new Date().toISOString()}`);
  console.log(`machine: ${machine()}`);
  const load1 = loadavg()[0] ?? 0;
  console.log(`load average (1 min) before the run: ${load1.toFixed(2)}`);
  if (load1 > cpus().length * 0.5) {
    console.log('warning: the machine is busy with other work; absolute numbers and ratios will be noisy');
  }
  console.log(
    `load: autocannon in this process, ${settings.connections} connections, ${settings.durationSec} s per run (+${settings.warmupSec} s warm-up), at most ${settings.maxRequests} requests, ${settings.rounds} alternating round(s) per target; it shares the cores with the server under test`,
  );
  const tmp = mkdtempSync(join(tmpdir(), 'galley-bench-data-'));
  const targets: Target[] = [];
  const notes: string[] = [];
  let failed = false;
  try {
    const t0 = Date.now();
    const data = createDatasetFile(join(tmp, 'baseline.db'), settings.records, generateUsers(await hashPassword(USER_PASSWORD)));
    console.log(`data: ${data.count} posts (${data.published.length} published) in ${Date.now() - t0} ms`);

    const baseline = await startBaseline(BASELINE, data.file);
    targets.push(baseline);
    const galleyStart = Date.now();
    const galley = await startGalley('galley', settings.records);
    if ('target' in galley) {
      targets.push(galley.target);
      console.log(`galley: ready and loaded in ${Date.now() - galleyStart} ms`);
    } else {
      notes.push(`galley: ${galley.unavailable}`);
      console.log(`galley: not available yet — ${galley.unavailable}`);
    }
    if (args.self || targets.length === 1) {
      // The baseline measured against a second copy of itself: proves the harness (byte check,
      // load, table) end to end, and shows the run-to-run noise of this machine (ratios ~1.0).
      const copy = join(tmp, 'baseline-copy.db');
      copyFileSync(data.file, copy);
      targets.push(await startBaseline('baseline-copy', copy));
    }
    for (const t of targets) console.log(`${t.name}: pid ${t.process.pid}, idle RSS ${mb(t.process.rss())}`);

    const measurements: Measurement[] = [];
    for (const scenario of scenarios(data)) {
      if (args.only && !scenario.name.includes(args.only)) continue;
      const others = targets.filter((t) => t.name !== BASELINE);
      const mismatches = await compareResponses(baseline, others, scenario.compare);
      const mismatched = new Set(mismatches.map((m) => m.target));
      for (const m of mismatches.slice(0, 5)) console.error(`DIFFERENT BYTES ${m.target} ${m.path}: ${m.detail}`);
      if (mismatches.length > 0) failed = true;
      const runs = new Map<string, Array<{ result: LoadResult; rss: number | undefined }>>();
      for (let round = 0; round < settings.rounds; round++) {
        for (const target of targets) {
          if (mismatched.has(target.name)) continue;
          const load = { url: target.url, paths: scenario.load, connections: settings.connections, maxRequests: settings.maxRequests };
          await runLoad({ ...load, durationSec: settings.warmupSec });
          const stopSampling = target.process.sampleRss();
          const result = await runLoad({ ...load, durationSec: settings.durationSec });
          const rss = stopSampling();
          if (result.failures > 0) failed = true;
          runs.set(target.name, [...(runs.get(target.name) ?? []), { result, rss }]);
          console.log(`  ${scenario.name} / ${target.name} round ${round + 1}: ${result.requestsPerSec.toFixed(0)} req/s`);
        }
      }
      for (const target of targets) {
        if (mismatched.has(target.name)) {
          measurements.push({ scenario: scenario.name, target: target.name, note: 'answers differ from the baseline; not measured' });
          continue;
        }
        const all = (runs.get(target.name) ?? []).sort((a, b) => a.result.requestsPerSec - b.result.requestsPerSec);
        const median = all[Math.floor(all.length / 2)];
        if (!median) continue;
        measurements.push({
          scenario: scenario.name,
          target: target.name,
          requestsPerSec: median.result.requestsPerSec,
          p50Ms: median.result.p50Ms,
          p99Ms: median.result.p99Ms,
          rssBytes: Math.max(...all.map((r) => r.rss ?? 0)) || undefined,
          failures: all.reduce((n, r) => n + r.result.failures, 0),
          errors: all.reduce((n, r) => n + r.result.errors, 0),
          ...(all.length > 1 ? { note: `median of ${all.length}` } : {}),
        });
      }
    }
    for (const name of new Set(['galley'].filter((n) => !targets.some((t) => t.name === n)))) {
      measurements.push({ scenario: 'all', target: name, note: 'not available yet' });
    }

    console.log('');
    console.log(renderTable(measurements, BASELINE));
    console.log('');
    console.log('Ratios in parentheses are to the baseline row of the same scenario (req/s: higher is better; latency and RSS: lower is better). RSS is the peak during the measured runs.');
    for (const n of notes) console.log(`note: ${n}`);
    console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s${failed ? ' — FAILED (see above)' : ''}`);
  } finally {
    for (const t of targets.reverse()) await t.stop().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
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
