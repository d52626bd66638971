/**
 * A Galley node for dashboard tests: an App with NO superuser (first run) and its server on a free
 * port, on SQLite or a fresh PostgreSQL schema; the built dashboard (`dist/ui`, built here when
 * missing); and Debian's chromium driven by playwright-core.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { App } from '../../src/app/app.js';
import { resolveConfig } from '../../src/app/config.js';
import type { GalleyConfigInput } from '../../src/app/config.js';
import type { Dialect } from '../../src/db/database.js';
import { DASHBOARD_DIR } from '../../src/http/routes/dashboard.js';
import { startServer } from '../../src/http/server.js';
import type { GalleyServer } from '../../src/http/server.js';
import { createTestPostgres } from '../../src/testing/services.js';
import type { TestPostgres } from '../../src/testing/services.js';

export interface DashboardNode {
  app: App;
  server: GalleyServer;
  url: string;
  cleanup(): Promise<void>;
}

/** With `config.databaseUrl`, a further node on that database (which the caller drops). */
export async function startDashboardNode(dialect: Dialect, config: GalleyConfigInput = {}): Promise<DashboardNode> {
  const dir = await mkdtemp(join(tmpdir(), 'galley-dashboard-'));
  let pg: TestPostgres | undefined;
  if (dialect === 'postgres' && !config.databaseUrl) pg = await createTestPostgres('dashboard');
  const resolved = resolveConfig({ dataDir: dir, ...config, ...(pg ? { databaseUrl: pg.url } : {}) }, {});
  const app = await App.open(resolved, { logger: pino({ level: 'silent' }) });
  const server = await startServer(app, { http: '127.0.0.1:0' });
  return {
    app,
    server,
    url: server.url,
    async cleanup() {
      await server.close().catch(() => {});
      await app.close().catch(() => {});
      await pg?.drop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let built = false;
/** The dashboard must be built (`npm run build:ui`, part of `npm run build`); build it once if not. */
export function ensureDashboardBuilt(): void {
  if (built || existsSync(join(DASHBOARD_DIR, 'index.html'))) {
    built = true;
    return;
  }
  const res = spawnSync('npm', ['run', 'build:ui'], { cwd: new URL('../..', import.meta.url).pathname, stdio: 'inherit' });
  if (res.status !== 0) throw new Error('npm run build:ui failed');
  built = true;
}

export const CHROMIUM = process.env.GALLEY_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Launches chromium, or skips the test visibly when it is not installed (`apt-get install -y
 * chromium`); with GALLEY_TEST_REQUIRE_SERVICES=1 (CI) a missing browser fails instead.
 */
export async function launchChromium(t: TestContext): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    const message = `chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set GALLEY_CHROMIUM)`;
    if (process.env.GALLEY_TEST_REQUIRE_SERVICES === '1') throw new Error(message);
    t.skip(message);
    return undefined;
  }
  const { chromium } = await import('playwright-core');
  // --no-sandbox: CI runs as root, where chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Screenshots for docs/screenshots/ are written only when asked (GALLEY_SCREENSHOTS=1). */
export const SCREENSHOTS = process.env.GALLEY_SCREENSHOTS === '1' ? new URL('../../docs/screenshots/', import.meta.url).pathname : undefined;

/** A tiny valid PNG (2x2, red), for upload tests. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==',
  'base64',
);

/** What the pages showed when a step failed: their alerts and the browser console, as a test diagnostic. */
export async function reportPages(t: TestContext, browser: Browser, consoleErrors: readonly string[]): Promise<void> {
  const pages = browser.contexts().flatMap((c) => c.pages());
  const alerts = await Promise.all(pages.map((p) => p.locator('[role=alert], .error-text').allTextContents().catch(() => [])));
  t.diagnostic(`page alerts: ${JSON.stringify(alerts.flat())}; console errors: ${JSON.stringify(consoleErrors)}`);
}
