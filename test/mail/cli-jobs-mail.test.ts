/**
 * `galley jobs list|retry|cancel|watch` and `galley mail list` as an operator runs them: real child
 * processes on a data dir (SQLite) or a PostgreSQL schema that an in-process node filled first.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { App } from '../../src/app/app.js';
import { resolveConfig } from '../../src/app/config.js';
import { validateMailMessage } from '../../src/mail/mail-message.js';
import { createTestPostgres, requireService } from '../../src/testing/services.js';
import { runCli } from '../cli/cli-process.js';
import { waitForJob } from './wait-for-job.js';

interface Prepared {
  queued: string;
  completed: string;
  dead: string;
}

/** A node (dev, so mail goes to the outbox) that leaves one queued, one completed and one dead job. */
async function prepare(dir: string, databaseUrl: string | undefined): Promise<Prepared> {
  const config = resolveConfig({ dataDir: dir, dev: true, jobsPollMs: 50, ...(databaseUrl ? { databaseUrl } : {}) }, {});
  const app = await App.open(config, { logger: pino({ level: 'silent' }) });
  try {
    app.jobs.define('report.build', async (ctx) => {
      for (let i = 1; i <= 4; i++) await ctx.progress(i * 25, 100, `step ${i}`);
      return { rows: 100 };
    });
    app.jobs.define('always.fails', async () => {
      throw new Error('the printer is on fire');
    }, { maxAttempts: 1 });
    const completed = (await app.jobs.enqueue('report.build', {})).id;
    const dead = (await app.jobs.enqueue('always.fails', {})).id;
    await app.startJobs();
    await waitForJob(app, completed);
    await waitForJob(app, dead);
    await app.jobs.stop();
    // no node defines this kind: it stays queued
    const queued = (await app.jobs.enqueue('nobody.runs.this', { n: 1 }, { delayMs: 3_600_000 })).id;
    await app.mail.deliver(validateMailMessage({ to: 'dev@example.com', subject: 'Verify your email', text: 'click here' }), { id: 'outbox1' });
    return { queued, completed, dead };
  } finally {
    await app.close();
  }
}

async function cliFlow(t: TestContext, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect === 'postgres' && !(await requireService(t, 'postgres'))) return;
  const dir = await mkdtemp(join(tmpdir(), 'galley-cli-jobs-'));
  const pg = dialect === 'postgres' ? await createTestPostgres('cli_jobs') : undefined;
  const flags = ['--dir', dir, ...(pg ? ['--db', pg.url] : [])];
  try {
    const ids = await prepare(dir, pg?.url);

    // Each command is a whole process (tsx + the app): the full set runs on SQLite, the ones whose
    // SQL differs per database (list, filter, watch, state changes) on PostgreSQL too.
    const full = dialect === 'sqlite';
    const [list, json, badFilter, mail, watchDone, watchDead] = await Promise.all([
      runCli(['jobs', 'list', ...flags]),
      full ? runCli(['jobs', 'list', '--json', '--state', 'completed', ...flags]) : undefined,
      full ? runCli(['jobs', 'list', '--filter', 'nosuchcolumn = 1', ...flags]) : undefined,
      runCli(['mail', 'list', ...flags]),
      runCli(['jobs', 'watch', ids.completed, ...flags]),
      full ? runCli(['jobs', 'watch', ids.dead, ...flags]) : undefined,
    ]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ID\s+KIND\s+QUEUE\s+STATE\s+TRIES\s+PROGRESS\s+CREATED\s+LAST ERROR/);
    assert.match(list.stdout, new RegExp(`${ids.queued}\\s+nobody\\.runs\\.this\\s+default\\s+queued\\s+0/5`));
    assert.match(list.stdout, new RegExp(`${ids.completed}\\s+report\\.build\\s+default\\s+completed\\s+1/5\\s+100% \\(100/100\\)`));
    assert.match(list.stdout, new RegExp(`${ids.dead}\\s+always\\.fails\\s+default\\s+dead\\s+1/1.*the printer is on fire`));
    assert.match(list.stdout, /3 job\(s\)\n$/);

    assert.equal(mail.code, 0, mail.stderr);
    assert.match(mail.stdout, /outbox1\s+\d{4}-\d\d-\d\d [\d:.]+Z\s+dev@example\.com\s+Verify your email/);

    // not a terminal: plain lines, no control characters, the result at the end
    assert.equal(watchDone.code, 0, watchDone.stderr);
    assert.doesNotMatch(watchDone.stdout, /\x1b|\r/);
    assert.match(watchDone.stdout, new RegExp(`${ids.completed} report\\.build completed  \\[#{30}\\]  100%  100/100  step 4\\n`));
    assert.match(watchDone.stdout, /completed: \{"rows":100\}\n$/);

    if (json && badFilter && watchDead) {
      const parsed = JSON.parse(json.stdout) as Array<{ id: string; result: unknown }>;
      assert.deepEqual(parsed.map((j) => [j.id, j.result]), [[ids.completed, { rows: 100 }]]);
      assert.equal(badFilter.code, 1);
      assert.match(badFilter.stderr, /^galley: invalid filter/i);
      assert.doesNotMatch(badFilter.stderr, /at .*\.ts:\d+/, 'no stack trace');
      assert.equal(watchDead.code, 1);
      assert.match(watchDead.stderr, new RegExp(`galley: job ${ids.dead} ended dead: the printer is on fire`));
    }

    // cancel, then retry; a job in the wrong state is a one-line error
    const [cancel, retry] = await Promise.all([runCli(['jobs', 'cancel', ids.queued, ...flags]), runCli(['jobs', 'retry', ids.dead, ...flags])]);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(cancel.stdout, new RegExp(`job ${ids.queued} \\(nobody\\.runs\\.this\\) cancelled: cancelled`));
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(retry.stdout, new RegExp(`job ${ids.dead} \\(always\\.fails\\) queued again: queued`));
    if (full) {
      const again = await runCli(['jobs', 'cancel', ids.completed, ...flags]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /galley: Only queued, failed or running jobs can be cancelled \(this one is completed\)/);
    }
  } finally {
    await pg?.drop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  test(`galley jobs and galley mail on a prepared node [${dialect}]`, { timeout: 300_000 }, (t) => cliFlow(t, dialect));
}

