/** Polls a job until `pred` holds: the worker runs in the test's own process, on its own schedule. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { App } from '../../src/app/app.js';
import type { JobRow } from '../../src/jobs/job-types.js';

const FINAL = ['completed', 'dead', 'cancelled'];

export async function waitForJob(app: App, id: string, pred: (j: JobRow) => boolean = (j) => FINAL.includes(j.state), timeoutMs = 30_000): Promise<JobRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await app.jobs.get(id);
    if (job && pred(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not reach the expected state in ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await sleep(20);
  }
}
