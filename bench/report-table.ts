/**
 * The report: one row per (scenario, target) with req/s, server CPU time per request, p50/p99
 * latency and server RSS, and each value's ratio to the baseline measured in the same run.
 */

export interface Measurement {
  scenario: string;
  target: string;
  /** Undefined when the target could not run the scenario (reason in `note`). */
  requestsPerSec?: number;
  /** Server CPU time (user + system, /proc) per request over the measured run, in µs. */
  cpuUsPerRequest?: number;
  /** CPU of the target's own PostgreSQL backends per request, in µs (PostgreSQL mode). */
  dbCpuUsPerRequest?: number;
  p50Ms?: number;
  p99Ms?: number;
  rssBytes?: number;
  failures?: number;
  errors?: number;
  note?: string;
}

function fixed(n: number | undefined, digits: number): string {
  return n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);
}

function ratio(value: number | undefined, base: number | undefined): string {
  if (value === undefined || base === undefined || base === 0) return '';
  return `(${(value / base).toFixed(2)}x)`;
}

/**
 * Renders the measurements as a fixed-width table (also valid Markdown). The first measurement
 * of each scenario whose target is `baselineName` is the reference for its ratios.
 */
export function renderTable(measurements: readonly Measurement[], baselineName: string): string {
  const header = ['scenario', 'target', 'req/s', 'CPU µs/req', 'p50 ms', 'p99 ms', 'RSS MB', 'notes'];
  const rows: string[][] = [];
  for (const m of measurements) {
    const base = measurements.find((b) => b.scenario === m.scenario && b.target === baselineName);
    const isBase = m === base;
    const rss = m.rssBytes === undefined ? undefined : m.rssBytes / (1024 * 1024);
    const baseRss = base?.rssBytes === undefined ? undefined : base.rssBytes / (1024 * 1024);
    const cell = (v: number | undefined, b: number | undefined, digits: number) =>
      m.requestsPerSec === undefined && v === undefined ? '-' : `${fixed(v, digits)}${isBase ? '' : ` ${ratio(v, b)}`}`.trim();
    const notes: string[] = [];
    if (m.dbCpuUsPerRequest !== undefined) {
      const b = isBase ? '' : ` ${ratio(m.dbCpuUsPerRequest, base?.dbCpuUsPerRequest)}`;
      notes.push(`+ PostgreSQL ${fixed(m.dbCpuUsPerRequest, 0)}${b} µs/req`.trimEnd());
    }
    if (m.note) notes.push(m.note);
    if (m.failures) notes.push(`${m.failures} non-2xx answers`);
    if (m.errors) notes.push(`${m.errors} errors/timeouts`);
    rows.push([
      m.scenario,
      m.target,
      cell(m.requestsPerSec, base?.requestsPerSec, 0),
      cell(m.cpuUsPerRequest, base?.cpuUsPerRequest, 0),
      cell(m.p50Ms, base?.p50Ms, 1),
      cell(m.p99Ms, base?.p99Ms, 1),
      cell(rss, baseRss, 1),
      notes.join('; '),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
