/**
 * Issue 12's targets, judged from one run's measurements: each ratio by throughput (req/s, noisy on
 * a shared machine) and by server CPU time per request (baseline µs / Galley µs, load-robust; on
 * PostgreSQL including each target's own database backends).
 */
import type { Measurement } from './report-table.js';

export interface TargetVerdict {
  goal: string;
  /** Required ratio (higher is better), or the bound for absolute goals. */
  required: number;
  reqRatio?: number;
  cpuRatio?: number;
  metByReq?: boolean;
  metByCpu?: boolean;
  /** Absolute goals (idle RSS, ready time): the measured value. */
  value?: number;
  met?: boolean;
}

const SQLITE_GOALS: Array<{ scenario: string; required: number }> = [
  { scenario: 'get-by-id (view rule)', required: 0.8 },
  { scenario: 'list-20 (filter+sort+rule)', required: 0.75 },
  { scenario: 'create (rule, validation, realtime)', required: 0.6 },
  { scenario: 'auth-refresh', required: 0.7 },
];

/** PostgreSQL mode: every scenario >= 0.70 of its own Fastify + pg baseline. */
const PG_REQUIRED = 0.7;

/** Server CPU plus, on PostgreSQL, the CPU of the target's own database backends. */
const totalCpu = (m: Measurement) => (m.cpuUsPerRequest === undefined ? undefined : m.cpuUsPerRequest + (m.dbCpuUsPerRequest ?? 0));

export function judgeTargets(
  measurements: readonly Measurement[],
  options: { baseline: string; galley: string; pg: boolean; idleRssBytes?: number; readyMs?: number },
): TargetVerdict[] {
  const find = (scenario: string, target: string) => measurements.find((m) => m.scenario === scenario && m.target === target);
  const goals = options.pg
    ? [...new Set(measurements.map((m) => m.scenario))].map((scenario) => ({ scenario, required: PG_REQUIRED }))
    : SQLITE_GOALS;
  const verdicts: TargetVerdict[] = [];
  for (const { scenario, required } of goals) {
    const base = find(scenario, options.baseline);
    const galley = find(scenario, options.galley);
    if (!base || !galley) continue;
    const v: TargetVerdict = { goal: `${scenario}${options.pg ? ' (PostgreSQL)' : ''} >= ${required.toFixed(2)}`, required };
    if (base.requestsPerSec && galley.requestsPerSec !== undefined) {
      v.reqRatio = galley.requestsPerSec / base.requestsPerSec;
      v.metByReq = v.reqRatio >= required;
    }
    const baseCpu = totalCpu(base);
    const galleyCpu = totalCpu(galley);
    if (baseCpu !== undefined && galleyCpu) {
      v.cpuRatio = baseCpu / galleyCpu;
      v.metByCpu = v.cpuRatio >= required;
    }
    verdicts.push(v);
  }
  if (options.idleRssBytes !== undefined) {
    const mb = options.idleRssBytes / 2 ** 20;
    verdicts.push({ goal: 'idle RSS < 100 MB', required: 100, value: mb, met: mb < 100 });
  }
  if (options.readyMs !== undefined) {
    verdicts.push({ goal: 'ready < 1 s (spawn -> first 200 from /api/health)', required: 1000, value: options.readyMs, met: options.readyMs < 1000 });
  }
  return verdicts;
}

export function renderVerdicts(verdicts: readonly TargetVerdict[]): string {
  const yes = (b: boolean | undefined) => (b === undefined ? '-' : b ? 'met' : 'NOT met');
  return verdicts
    .map((v) =>
      v.value !== undefined
        ? `  ${v.goal}: ${v.value.toFixed(v.required >= 1000 ? 0 : 1)} -> ${yes(v.met)}`
        : `  ${v.goal}: by CPU ${v.cpuRatio === undefined ? '-' : v.cpuRatio.toFixed(2)} -> ${yes(v.metByCpu)}; by req/s ${v.reqRatio === undefined ? '-' : v.reqRatio.toFixed(2)} -> ${yes(v.metByReq)}`,
    )
    .join('\n');
}
