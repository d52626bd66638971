/**
 * Retry delays: exponential with "equal jitter" (half fixed, half random). The fixed half keeps
 * the delays growing from one attempt to the next; the random half spreads the retries of jobs
 * that failed together (an SMTP server that was down) so they do not all come back at once.
 */
import type { BackoffOptions } from './job-types.js';

/** Delay before attempt `failedAttempt + 1`, for a job whose attempt `failedAttempt` (1-based) failed. */
export function retryDelayMs(failedAttempt: number, backoff: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, failedAttempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
