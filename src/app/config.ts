/**
 * The startup configuration: parsed once with a schema, then frozen. Every option has a documented
 * default (docs/configuration.md is checked against `configOptions` by a test), and every option can
 * come from an environment variable so containers need no flags.
 *
 * Precedence: explicit values (CLI flags, `App.open({...})`) > environment variables > defaults.
 */
import { z } from 'zod';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const MIB = 1024 * 1024;

/** `host:port`, `:port` or a bare port; the host defaults to 127.0.0.1 so nothing is exposed by accident. */
const httpAddress = z.string().trim().regex(/^(?:\[[0-9a-fA-F:.]+\]|[\w.-]*)?:?\d{1,5}$/, 'expected HOST:PORT');

const boolish = z.union([
  z.boolean(),
  z.enum(['1', 't', 'true', 'yes', 'on', '0', 'f', 'false', 'no', 'off', '']).transform((v) => ['1', 't', 'true', 'yes', 'on'].includes(v)),
]);

const positiveInt = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().int().positive());

const commaList = z.union([
  z.array(z.string()),
  z.string().transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x !== '')),
]);

export const configSchema = z.strictObject({
  /** Where SQLite files (`data.db`, `auxiliary.db`) and local uploads (`storage/`) live. */
  dataDir: z.string().min(1).default('./galley_data'),
  /** The address `galley serve` listens on. */
  http: httpAddress.default('127.0.0.1:8090'),
  /** `postgres://...` to run on PostgreSQL instead of embedded SQLite. */
  databaseUrl: z.string().regex(/^postgres(?:ql)?:\/\//, 'expected a postgres:// URL').optional(),
  /** `redis://...` for cross-node pub/sub (realtime, cache invalidation). */
  redisUrl: z.string().regex(/^rediss?:\/\//, 'expected a redis:// URL').optional(),
  /** Development mode: automigrate, verbose logs, dev mail outbox. */
  dev: boolish.default(false),
  /** The user's app file (hooks, routes), e.g. `galley.config.ts`. */
  appFile: z.string().min(1).optional(),
  /** Folder of migration files applied at start. */
  migrationsDir: z.string().min(1).default('./migrations'),
  /**
   * Key that encrypts secrets stored in settings (AES-256-GCM). Any string; it is stretched to 32
   * bytes. Without it secrets are stored in plain text, as PocketBase does.
   */
  encryptionKey: z.string().min(1).optional(),
  /** Server log verbosity; `debug` when `dev` is on and nothing was set. */
  logLevel: z.enum(LOG_LEVELS).optional(),
  /** Prefix of every Redis key and pub/sub channel, so deployments can share one Redis. */
  keyPrefix: z.string().regex(/^[\w.:-]+$/).default('galley'),
  /** Static files served at `/` (a built frontend). */
  publicDir: z.string().min(1).optional(),
  /** Allowed CORS origins; `*` allows any (PocketBase's default). */
  corsOrigins: commaList.default(['*']),
  /** Largest accepted request body, in bytes (PocketBase: 32 MB). Batch requests use the batch setting. */
  bodyLimit: positiveInt.default(32 * MIB),
  /** Run the job worker and cron on this node; off for a node that only serves HTTP (it can still enqueue). */
  jobs: boolish.default(true),
  /** How long a claimed job stays owned without renewal: a dead node's jobs run again after this. */
  jobsLeaseMs: positiveInt.default(30_000),
  /** Longest sleep of an idle job worker; enqueues wake workers at once, this is the safety net. */
  jobsPollMs: positiveInt.default(2_000),
});

export type GalleyConfigInput = z.input<typeof configSchema>;

export interface GalleyConfig extends Omit<z.output<typeof configSchema>, 'logLevel' | 'corsOrigins'> {
  logLevel: (typeof LOG_LEVELS)[number];
  corsOrigins: readonly string[];
}

/** Each option's environment variable; the CLI reads the same names. */
export const configEnv = {
  dataDir: 'GALLEY_DIR',
  http: 'GALLEY_HTTP',
  databaseUrl: 'GALLEY_DATABASE_URL',
  redisUrl: 'GALLEY_REDIS_URL',
  dev: 'GALLEY_DEV',
  appFile: 'GALLEY_APP',
  migrationsDir: 'GALLEY_MIGRATIONS',
  encryptionKey: 'GALLEY_ENCRYPTION_KEY',
  logLevel: 'GALLEY_LOG_LEVEL',
  keyPrefix: 'GALLEY_KEY_PREFIX',
  publicDir: 'GALLEY_PUBLIC_DIR',
  corsOrigins: 'GALLEY_CORS_ORIGINS',
  bodyLimit: 'GALLEY_BODY_LIMIT',
  jobs: 'GALLEY_JOBS',
  jobsLeaseMs: 'GALLEY_JOBS_LEASE_MS',
  jobsPollMs: 'GALLEY_JOBS_POLL_MS',
} as const satisfies Record<keyof GalleyConfigInput, string>;

export type ConfigOption = keyof typeof configEnv;

export const configOptions = Object.keys(configEnv) as ConfigOption[];

export class ConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Validates `partial` (explicit values win over `env`) and returns a frozen config. Throws
 * `ConfigError` listing every bad option with its env var, so a typo fails at start, not later.
 * Tests pass `env: {}` to stay independent of the machine's environment.
 */
export function resolveConfig(partial: GalleyConfigInput = {}, env: Env = process.env): Readonly<GalleyConfig> {
  const merged: Record<string, unknown> = {};
  for (const key of configOptions) {
    const explicit = partial[key];
    const fromEnv = env[configEnv[key]];
    if (explicit !== undefined) merged[key] = explicit;
    else if (fromEnv !== undefined && fromEnv !== '') merged[key] = fromEnv;
  }
  for (const key of Object.keys(partial)) {
    if (!(key in configEnv)) merged[key] = (partial as Record<string, unknown>)[key];
  }
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = String(i.path[0] ?? '');
        const envName = key in configEnv ? ` (${configEnv[key as ConfigOption]})` : '';
        return `${key || '(root)'}${envName}: ${i.message}`;
      }),
    );
  }
  const value = parsed.data;
  const config: GalleyConfig = {
    ...value,
    logLevel: value.logLevel ?? (value.dev ? 'debug' : 'info'),
    corsOrigins: Object.freeze([...value.corsOrigins]),
  };
  return Object.freeze(config);
}

/** Splits `http` into what `listen()` takes. */
export function parseHttpAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*))?:?(\d+)$/.exec(address.trim());
  if (!m) throw new ConfigError([`http: expected HOST:PORT, got "${address}"`]);
  const host = m[1] ?? (m[2] || '127.0.0.1');
  return { host, port: Number(m[3]) };
}
