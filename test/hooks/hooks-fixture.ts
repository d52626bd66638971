/** An opened App (no HTTP server) on a fresh SQLite dir or PostgreSQL schema, per dialect. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { App } from '../../src/app/app.js';
import { resolveConfig } from '../../src/app/config.js';
import { createTestPostgres, requireService } from '../../src/testing/services.js';

export function eachApp(name: string, fn: (app: App, ctx: TestContext) => Promise<void>): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    test(`${name} [${dialect}]`, async (ctx) => {
      if (dialect === 'postgres' && !(await requireService(ctx, 'postgres'))) return;
      const dir = await mkdtemp(join(tmpdir(), 'galley-hooks-'));
      const pg = dialect === 'postgres' ? await createTestPostgres('hooks') : undefined;
      try {
        const config = resolveConfig({ dataDir: dir, jobs: false, ...(pg ? { databaseUrl: pg.url } : {}) }, {});
        const app = await App.open(config, { logger: pino({ level: 'silent' }) });
        try {
          await fn(app, ctx);
        } finally {
          await app.close();
        }
      } finally {
        await pg?.drop().catch(() => {});
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
}

export async function countRows(app: App, table: string, where = '1 = 1'): Promise<number> {
  const row = await app.db.get<{ n: unknown }>(`SELECT COUNT(*) AS "n" FROM "${table}" WHERE ${where}`);
  return Number(row?.n);
}
