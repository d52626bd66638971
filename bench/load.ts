/**
 * Drives load with autocannon, bounded both in time and in request count, and returns the few
 * numbers the report shows. The load generator runs in this process and shares the machine's
 * cores with the server under test (docs/benchmarks.md says how to read that).
 */
import autocannon from 'autocannon';
import type { BenchRequest } from './scenarios.js';

export interface LoadOptions {
  url: string;
  /** Requests (or GET paths), cycled by every connection. */
  paths?: readonly string[];
  requests?: readonly BenchRequest[];
  connections: number;
  durationSec: number;
  maxRequests: number;
  headers?: Record<string, string>;
}

export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  /** Non-2xx answers: a correctness problem (the load paths all exist), fails the run. */
  failures: number;
  /** Connection errors and timeouts: an overloaded machine, reported but not a failure. */
  errors: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSec,
    // Can't be below the connection count (autocannon rule).
    maxOverallRequests: Math.max(options.maxRequests, options.connections),
    timeout: 10,
    headers: options.headers ?? {},
    requests: [...(options.paths ?? []).map((path): BenchRequest => ({ method: 'GET', path })), ...(options.requests ?? [])].map((r) =>
      r.body === undefined ? { method: r.method, path: r.path } : { method: r.method, path: r.path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(r.body) },
    ),
  });
  return {
    // `total / duration` rather than the per-second sample mean: a run that ends early on the
    // request cap would otherwise report a partial last second.
    requestsPerSec: result.requests.total / Math.max(result.duration, 0.001),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    failures: result.non2xx,
    // autocannon counts timeouts among errors already.
    errors: result.errors,
  };
}
