/**
 * The flags that map onto the app's configuration, shared by every command that opens the app.
 * Each flag shows its environment variable in `--help`, but only values typed on the command line
 * are passed on: `resolveConfig` reads the environment itself, so flag > env > default holds in
 * one place and a bad env value is reported under its variable's name.
 */
import { Option, type Command } from 'commander';
import type { GalleyConfigInput } from '../app/config.js';
import { CliError } from './cli-error.js';

/** Flag attribute name (commander's camelCase) -> config key. */
const FLAG_TO_CONFIG = {
  dir: 'dataDir',
  http: 'http',
  db: 'databaseUrl',
  redis: 'redisUrl',
  dev: 'dev',
  app: 'appFile',
  migrations: 'migrationsDir',
  logLevel: 'logLevel',
  keyPrefix: 'keyPrefix',
  publicDir: 'publicDir',
  jobs: 'jobs',
} as const satisfies Record<string, keyof GalleyConfigInput>;

type Flag = keyof typeof FLAG_TO_CONFIG;

/** Names of the environment variables, kept equal to `configEnv` in src/app/config.ts. */
export const FLAG_ENV: Record<Flag | 'encryptionEnv', string> = {
  dir: 'GALLEY_DIR',
  http: 'GALLEY_HTTP',
  db: 'GALLEY_DATABASE_URL',
  redis: 'GALLEY_REDIS_URL',
  dev: 'GALLEY_DEV',
  app: 'GALLEY_APP',
  migrations: 'GALLEY_MIGRATIONS',
  logLevel: 'GALLEY_LOG_LEVEL',
  keyPrefix: 'GALLEY_KEY_PREFIX',
  publicDir: 'GALLEY_PUBLIC_DIR',
  jobs: 'GALLEY_JOBS',
  encryptionEnv: 'GALLEY_ENCRYPTION_ENV',
};

export const DEFAULT_DIR = './galley_data';
export const DEFAULT_HTTP = '127.0.0.1:8090';
export const DEFAULT_MIGRATIONS = './migrations';

export const options = {
  dir: () =>
    new Option('--dir <dir>', 'data directory (SQLite files, local uploads)').env(FLAG_ENV.dir).default(DEFAULT_DIR),
  db: () =>
    new Option('--db <url>', 'PostgreSQL URL (postgres://...); embedded SQLite in --dir when absent').env(FLAG_ENV.db),
  redis: () =>
    new Option('--redis <url>', 'Redis URL (redis://...) for pub/sub between nodes; in-memory when absent').env(
      FLAG_ENV.redis,
    ),
  migrations: () =>
    new Option('--migrations <dir>', 'folder of migration files').env(FLAG_ENV.migrations).default(DEFAULT_MIGRATIONS),
  http: () => new Option('--http <host:port>', 'address to listen on').env(FLAG_ENV.http).default(DEFAULT_HTTP),
  dev: () =>
    new Option('--dev', 'development mode: automigrate, verbose logs').env(FLAG_ENV.dev).default(false),
  app: () =>
    new Option('--app <file>', 'app file loaded at start (preliminary: its default export is called with the app)').env(
      FLAG_ENV.app,
    ),
  logLevel: () =>
    new Option('--log-level <level>', 'log level (default: debug with --dev, info otherwise)')
      .choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
      .env(FLAG_ENV.logLevel),
  keyPrefix: () =>
    new Option('--key-prefix <prefix>', 'prefix of Redis keys and channels').env(FLAG_ENV.keyPrefix).default('galley'),
  publicDir: () => new Option('--public-dir <dir>', 'static files served at /').env(FLAG_ENV.publicDir),
  // No .env(): GALLEY_JOBS is read by resolveConfig like every variable; the flag only turns it off.
  jobs: () => new Option('--no-jobs', `do not run background jobs and cron on this node (it still serves HTTP and enqueues; env ${FLAG_ENV.jobs}=false)`),
  encryptionEnv: () =>
    new Option(
      '--encryption-env <var>',
      'name of the environment variable holding the key that encrypts stored secrets (the key never goes on the command line)',
    ).env(FLAG_ENV.encryptionEnv),
};

/**
 * The config input from a command's flags: only values typed on the command line (env and
 * defaults are resolveConfig's job). `--encryption-env VAR` becomes the key read from `VAR`.
 */
export function configInputFromFlags(cmd: Command): GalleyConfigInput {
  const opts = cmd.opts<Record<string, unknown>>();
  const input: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(FLAG_TO_CONFIG)) {
    if (cmd.getOptionValueSource(flag) === 'cli') input[key] = opts[flag];
  }
  const encryptionEnv = opts.encryptionEnv;
  if (typeof encryptionEnv === 'string' && encryptionEnv !== '') {
    const key = process.env[encryptionEnv];
    if (!key) throw new CliError(`--encryption-env names ${encryptionEnv}, but that environment variable is empty or unset`);
    input.encryptionKey = key;
  }
  return input as GalleyConfigInput;
}

/** The flag spelling of a config key, for messages. */
export function flagForConfigKey(key: string): string | undefined {
  for (const [flag, k] of Object.entries(FLAG_TO_CONFIG)) {
    if (k === key) return `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  }
  return undefined;
}
