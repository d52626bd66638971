/**
 * `galley jobs list|retry|cancel|watch`: straight on the database (the same calls as `/api/jobs`),
 * so they work with or without a running server and on any node of a deployment. Opening the app
 * here never starts a job worker.
 */
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App } from '../app/app.js';
import { isApiError } from '../core/errors.js';
import type { JobRow, JobState } from '../jobs/job-types.js';
import { CliError } from './cli-error.js';
import { progressLine, progressWriter } from './jobs-progress.js';
import { configFromCommand, openApp } from './open-app.js';

async function withApp<T>(cmd: Command, fn: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp(configFromCommand(cmd));
  try {
    return await fn(app);
  } catch (err) {
    // 400/404/409 from the queue are operator mistakes (bad filter, unknown id, wrong state)
    if (isApiError(err) && err.status < 500) throw new CliError(describe(err));
    throw err;
  } finally {
    await app.close();
  }
}

function describe(err: { message: string; data: Record<string, unknown> }): string {
  const details = Object.values(err.data)
    .map((v) => (typeof v === 'object' && v !== null && 'message' in v ? String((v as { message: unknown }).message) : ''))
    .filter((m) => m !== '');
  return [err.message.replace(/\.$/, ''), ...details].join(': ');
}

export async function runJobsList(cmd: Command): Promise<void> {
  const o = cmd.opts<{ state?: JobState; kind?: string; queue?: string; filter?: string; sort?: string; limit: number; json?: boolean }>();
  await withApp(cmd, async (app) => {
    const list = await app.jobs.list({
      perPage: o.limit,
      ...(o.state ? { state: o.state } : {}),
      ...(o.kind ? { kind: o.kind } : {}),
      ...(o.queue ? { queue: o.queue } : {}),
      ...(o.filter ? { filter: o.filter } : {}),
      ...(o.sort ? { sort: o.sort } : {}),
    });
    if (o.json) {
      process.stdout.write(`${JSON.stringify(list.items, null, 2)}\n`);
      return;
    }
    if (list.items.length === 0) {
      process.stdout.write('no jobs\n');
      return;
    }
    const rows = list.items.map((j) => [j.id, j.kind, j.queue, j.state, `${j.attempts}/${j.maxAttempts}`, progressText(j), j.created, j.lastError ?? '']);
    process.stdout.write(table(['ID', 'KIND', 'QUEUE', 'STATE', 'TRIES', 'PROGRESS', 'CREATED', 'LAST ERROR'], rows));
    const more = list.totalItems > list.items.length ? ` (showing ${list.items.length}; --limit for more)` : '';
    process.stdout.write(`${list.totalItems} job(s)${more}\n`);
  });
}

export async function runJobsAction(cmd: Command, action: 'retry' | 'cancel', id: string): Promise<void> {
  await withApp(cmd, async (app) => {
    const job = action === 'retry' ? await app.jobs.retry(id) : await app.jobs.cancel(id);
    process.stdout.write(`job ${job.id} (${job.kind}) ${action === 'retry' ? 'queued again' : 'cancelled'}: ${job.state}\n`);
  });
}

const FINAL: ReadonlySet<JobState> = new Set(['completed', 'dead', 'cancelled']);

/** Exits 0 when the job completes, 1 when it ends dead or cancelled. */
export async function runJobsWatch(cmd: Command, id: string): Promise<void> {
  const { interval } = cmd.opts<{ interval: number }>();
  const writer = progressWriter(process.stderr.isTTY ? process.stderr : process.stdout);
  await withApp(cmd, async (app) => {
    for (;;) {
      const job = await app.jobs.get(id);
      if (!job) throw new CliError(`no job with the id ${id}`);
      writer.update(progressLine(job));
      if (FINAL.has(job.state)) {
        writer.done();
        if (job.state !== 'completed') {
          throw new CliError(`job ${job.id} ended ${job.state}${job.lastError ? `: ${job.lastError}` : ''}`);
        }
        process.stdout.write(`job ${job.id} completed${job.result !== null && job.result !== undefined ? `: ${JSON.stringify(job.result)}` : ''}\n`);
        return;
      }
      await sleep(interval);
    }
  });
}

function progressText(j: JobRow): string {
  const p = j.progress;
  if (!p) return '';
  return p.total ? `${Math.floor((100 * p.done) / p.total)}% (${p.done}/${p.total})` : `${p.done}`;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [header, ...rows].map((r) => r.map((c) => c.replace(/\s+/g, ' ')));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}
