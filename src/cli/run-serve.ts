/**
 * `galley serve`: open the app, apply pending migrations, load the app file, start automigrate in
 * dev mode, listen, print where everything is, and shut down cleanly on SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { relative } from 'node:path';
import type { App } from '../app/app.js';
import type { GalleyConfig } from '../app/config.js';
import type { Automigrate } from '../migrations/automigrate.js';
import { Migrator } from '../migrations/migrator.js';
import { listenFailure } from './cli-error.js';
import { DEFAULT_DIR } from './config-options.js';
import { appFileMigrationsDir, loadAppFile, resolveAppFile } from './load-app-file.js';
import { configFromCommand, openApp } from './open-app.js';
import { packageVersion } from './package-version.js';
import { redactUrl } from '../lib/redact-url.js';

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

export async function runServe(cmd: Command): Promise<void> {
  const started = performance.now();
  let config = configFromCommand(cmd);
  const appFile = resolveAppFile(config.appFile);
  // Neither the flag nor its variable given: the app file's own migrations/ folder wins over ./migrations.
  const appMigrations = appFile && cmd.getOptionValueSource('migrations') === 'default' ? appFileMigrationsDir(appFile) : undefined;
  if (appMigrations) config = { ...config, migrationsDir: relative(process.cwd(), appMigrations) || '.' };
  // Loading the HTTP stack is the biggest part of start-up; let it overlap the database's I/O.
  const serverModule = import('../http/server.js');
  serverModule.catch(() => {});
  const app = await openApp(config);
  let automigrate: Automigrate | undefined;
  let server: { url: string; close(): Promise<void> } | undefined;
  try {
    const migrator = new Migrator({ db: app.db, collections: app.collections, dir: config.migrationsDir });
    const applied = await migrator.up((file) => out(`migration applied: ${file}`));
    if (appFile) await loadAppFile(appFile, app, { watch: config.dev });
    if (config.dev) {
      automigrate = (await import('../migrations/automigrate.js')).startAutomigrate({
        collections: app.collections,
        migrator,
        onFile: (file) => out(`automigrate: wrote ${relative(process.cwd(), migrator.dir) || '.'}/${file}`),
        onError: (message) => process.stderr.write(`galley: ${message}\n`),
      });
    }
    const { startServer } = await serverModule;
    let listening: { url: string; close(): Promise<void> };
    try {
      listening = await startServer(app);
    } catch (err) {
      throw listenFailure(err, config.http) ?? err;
    }
    server = listening;
    const superusers = await countSuperusers(app);
    // First run: a one-time link to the dashboard page that creates the first superuser.
    const setupLink = superusers === 0 ? await firstRunLink(app, listening.url) : undefined;
    printBanner(config, listening.url, applied.length, superusers, performance.now() - started, setupLink);
  } catch (err) {
    await automigrate?.stop().catch(() => {});
    await server?.close().catch(() => {});
    await app.close().catch(() => {});
    throw err;
  }
  handleSignals(async () => {
    await server?.close();
    await automigrate?.stop();
    await app.close();
  });
}

async function countSuperusers(app: App): Promise<number> {
  try {
    const row = await app.db.get<{ n: unknown }>('SELECT COUNT(*) AS "n" FROM "_superusers"');
    return Number(row?.n ?? 0);
  } catch {
    // Unknown is better than a failed start; the banner then shows the hint anyway.
    return 0;
  }
}

/**
 * The setup link, its token stored (hashed) in the shared database so any node accepts it. Without
 * it the banner still shows the CLI command: a start should not fail over a convenience.
 */
async function firstRunLink(app: App, url: string): Promise<string | undefined> {
  try {
    const [{ issueSetupToken }, { setupUrl }] = await Promise.all([import('../auth/setup-tokens.js'), import('../http/routes/dashboard-setup.js')]);
    return setupUrl(url, await issueSetupToken(app.db));
  } catch (err) {
    process.stderr.write(`galley: no setup link (${err instanceof Error ? err.message : String(err)})\n`);
    return undefined;
  }
}

function printBanner(
  config: Readonly<GalleyConfig>,
  url: string,
  applied: number,
  superusers: number,
  elapsedMs: number,
  setupLink?: string,
): void {
  const base = url.replace(/\/+$/, '');
  const storage = config.databaseUrl ? `PostgreSQL ${redactUrl(config.databaseUrl)}` : `SQLite in ${config.dataDir}`;
  const mode = config.dev ? 'development mode' : 'production mode';
  out(`Galley ${packageVersion()} (${mode}) on ${storage}${config.redisUrl ? ` + Redis ${redactUrl(config.redisUrl)}` : ''}`);
  out(`  REST API:   ${base}/api/`);
  out(`  Dashboard:  ${base}/_/`);
  out(`  Health:     ${base}/api/health`);
  out(`  Migrations: ${config.migrationsDir} (${applied} applied now)${config.dev ? ', automigrate on' : ''}`);
  if (superusers === 0) {
    const where = [
      config.databaseUrl ? `--db '${redactUrl(config.databaseUrl)}'` : '',
      !config.databaseUrl && config.dataDir !== DEFAULT_DIR ? `--dir ${shellQuote(config.dataDir)}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    out('');
    out('No superuser yet. Create one to log in:');
    if (setupLink) out(`  open ${setupLink} (one-time link), or`);
    out(`  npx galley superuser upsert you@example.com 'a-long-password'${where ? ` ${where}` : ''}`);
    out('then log in with:');
    out(
      `  curl -X POST ${base}/api/collections/_superusers/auth-with-password -H 'Content-Type: application/json' -d '{"identity":"you@example.com","password":"a-long-password"}'`,
    );
  }
  out('');
  out(`Ready in ${Math.round(elapsedMs)} ms. Press Ctrl+C to stop.`);
}

function shellQuote(value: string): string {
  return /^[\w./:@-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function handleSignals(shutdown: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`galley: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    out(`\n${signal} received, shutting down...`);
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`galley: error while shutting down: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
