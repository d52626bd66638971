/**
 * The App: one object that owns every long-lived part of a Galley node (databases, pub/sub, file
 * store, collections, settings, logs) and their order of opening and closing. The HTTP server and
 * the CLI are built on top of it; nothing here knows about HTTP.
 *
 * Heavy optional modules (pg, ioredis) are imported only by the factories that need them, so an
 * embedded node starts without loading them.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { Hook } from '../core/hook.js';
import type { Database } from '../db/database.js';
import { openDatabase } from '../db/open-database.js';
import type { FileStore } from '../files/file-store.js';
import { createSettingsFileStore } from '../files/create-file-store.js';
import { deleteFoldersOfDeletedCollections } from '../files/collection-folders.js';
import { deleteFilesOfTruncatedRecords } from '../records/truncated-record-files.js';
import { defineThumbnailJob } from '../files/thumbnail-job.js';
import { CronScheduler } from '../jobs/cron-scheduler.js';
import { JobQueue } from '../jobs/job-queue.js';
import { ensureJobsTables } from '../jobs/jobs-table.js';
import { defineBuiltinJobKinds } from '../jobs/kinds/builtin-job-kinds.js';
import type { BuiltinJobKindsOptions } from '../jobs/kinds/builtin-job-kinds.js';
import { LogRetention } from '../logs/log-retention.js';
import { LogStore } from '../logs/log-store.js';
import { LogWriter } from '../logs/log-writer.js';
import { MailService } from '../mail/mail-service.js';
import { createPubSub } from '../realtime/create-pubsub.js';
import type { PubSub } from '../realtime/pubsub.js';
import { Realtime } from '../realtime/realtime.js';
import type { RealtimeLimits } from '../realtime/realtime-limits.js';
import { CollectionService } from '../records/collection-service.js';
import { bootstrapSystemTables } from '../records/bootstrap-system-tables.js';
import { RecordService } from '../records/record-service.js';
import { SettingsService } from '../settings/settings-service.js';
import type { GalleyConfig } from './config.js';
import { Invalidation } from './invalidation.js';
import { AuthService } from '../auth/auth-service.js';
import { deleteAuthRows } from '../auth/auth-tables.js';
import { createCounterStore } from '../auth/limits/create-counter-store.js';
import type { BruteForceOptions } from '../auth/limits/brute-force.js';
import type { MailPort } from '../auth/mail-port.js';
import { SecretBox } from '../settings/secret-box.js';
import type { AppHooks } from '../hooks/app-hooks.js';
import { runTransaction } from '../hooks/transaction.js';
import { CustomRoutes } from '../routes/custom-routes.js';
import type { AppTransaction, AppTransactionOptions } from '../hooks/transaction.js';

/**
 * `auxiliary.db` is written in appends and read rarely (the logs screen). A data-sized page cache
 * there only cycled freshly written log pages through 16 MB per connection: a busy server's peak
 * RSS was ~17 MB higher (CPU per request was the same within the noise).
 */
const LOGS_PAGE_CACHE_KIB = 512;

export interface ServeEvent {
  app: App;
  /** The URL the server listens on. */
  url: string;
}

export interface TerminateEvent {
  app: App;
}

export interface AppOpenOptions {
  /** A logger to use instead of building one from `config.logLevel` (tests pass a silent one). */
  logger?: Logger;
  /** Node identity for cross-node messages; random by default. */
  nodeId?: string;
  /**
   * A PubSub to use instead of the one `config.redisUrl` selects (tests run several nodes in one
   * process on a shared in-memory bus). The App closes it.
   */
  pubsub?: PubSub;
  /** This node's realtime limits (connections per IP, queues, timeouts); defaults in docs/realtime.md. */
  realtime?: Partial<RealtimeLimits>;
  /** Brute-force backoff overrides (tests use a tiny `baseMs`); defaults in docs/auth.md. */
  bruteForce?: Partial<BruteForceOptions>;
  /** Retry/timeout overrides of the built-in `mail.send` and `records.export` kinds (tests shorten the mail backoff). */
  builtinJobKinds?: BuiltinJobKindsOptions;
}

export class App {
  readonly config: Readonly<GalleyConfig>;
  readonly nodeId: string;
  readonly logger: Logger;
  readonly db: Database;
  /** Where `_logs` lives: `auxiliary.db` on SQLite, the main database on PostgreSQL. */
  readonly logsDb: Database;
  readonly pubsub: PubSub;
  readonly files: FileStore;
  readonly collections: CollectionService;
  /** Record CRUD with rules, validation, expand and output shaping (REST, batch, auth, hooks). */
  readonly records: RecordService;
  readonly settings: SettingsService;
  readonly logs: LogStore;
  readonly logWriter: LogWriter;
  /** The durable job queue (docs/jobs.md); its worker runs once the server listens, if `config.jobs`. */
  readonly jobs: JobQueue;
  /** Cron schedules that enqueue jobs, fired once per tick across nodes. */
  readonly cron: CronScheduler;
  /** Mail through the queue: SMTP from settings, the dev outbox in `--dev` without SMTP (docs/mail.md). */
  readonly mail: MailService;
  /** The realtime broker and this node's SSE/WebSocket clients (docs/realtime.md). */
  readonly realtime: Realtime;

  /** Custom HTTP routes from the app file (docs/custom-routes.md), served after the built-in ones. */
  readonly routes = new CustomRoutes();

  /** After the HTTP server listens. */
  readonly onServe = new Hook<ServeEvent>();
  /** Before the App closes its resources (graceful shutdown). */
  readonly onTerminate = new Hook<TerminateEvent>();

  readonly #invalidation: Invalidation;
  readonly #retention: LogRetention;
  readonly #unlisten: Array<() => void> = [];
  #closing: Promise<void> | undefined;
  #auth: AuthService | undefined;

  /** Logins, MFA, OTP, TOTP, brute-force protection, rate-limit counters, API keys (docs/auth.md). */
  get auth(): AuthService {
    if (!this.#auth) throw new Error('the app is not open');
    return this.#auth;
  }

  private constructor(parts: {
    config: Readonly<GalleyConfig>;
    nodeId: string;
    logger: Logger;
    db: Database;
    logsDb: Database;
    pubsub: PubSub;
    files: FileStore;
    collections: CollectionService;
    records: RecordService;
    settings: SettingsService;
    logs: LogStore;
    realtime?: Partial<RealtimeLimits> | undefined;
  }) {
    this.config = parts.config;
    this.nodeId = parts.nodeId;
    this.logger = parts.logger;
    this.db = parts.db;
    this.logsDb = parts.logsDb;
    this.pubsub = parts.pubsub;
    this.files = parts.files;
    this.collections = parts.collections;
    this.records = parts.records;
    this.settings = parts.settings;
    this.logs = parts.logs;
    this.logWriter = new LogWriter(this.logs, {
      onError: (err, dropped) => this.logger.error({ err, dropped }, 'failed to write request logs'),
    });
    this.jobs = new JobQueue({
      db: this.db,
      pubsub: this.pubsub,
      nodeId: this.nodeId,
      logger: this.logger.child({ module: 'jobs' }),
      leaseMs: this.config.jobsLeaseMs,
      pollIntervalMs: this.config.jobsPollMs,
    });
    this.cron = new CronScheduler({
      db: this.db,
      jobs: this.jobs,
      logger: this.logger.child({ module: 'cron' }),
      settings: () => this.settings.get().jobs.cron,
    });
    this.mail = new MailService({ db: this.db, settings: this.settings, jobs: () => this.jobs, dev: this.config.dev, logger: this.logger.child({ module: 'mail' }), hooks: this.records.hooks });
    this.realtime = new Realtime({
      pubsub: this.pubsub,
      db: this.db,
      collections: this.collections,
      records: this.records,
      messageSend: this.records.hooks.onRealtimeMessageSend,
      nodeId: this.nodeId,
      settings: () => this.settings.get().realtime,
      limits: parts.realtime,
      onError: (err, what) => this.logger.error({ err }, `realtime: failed ${what}`),
    });
    // First in the chain (lowest priority runs first), so a user handler that ends the chain
    // cannot keep the worker from starting.
    this.onServe.bind({ id: 'galley.jobs', priority: -1_000_000, fn: async (e) => {
      await this.startJobs();
      await e.next();
    } });
    this.#retention = new LogRetention(this.logs, {
      maxDays: () => this.settings.get().logs.maxDays,
      onError: (err) => this.logger.error({ err }, 'log retention failed'),
    });
    this.#invalidation = new Invalidation({
      pubsub: this.pubsub,
      nodeId: this.nodeId,
      reload: {
        collections: () => this.collections.reload(),
        settings: () => this.settings.reload(),
      },
      onError: (err) => this.logger.error({ err }, 'cache invalidation failed'),
    });
  }

  /**
   * Opens every part in dependency order. If a step fails, what was already opened is closed
   * again before the error is rethrown, so a failed start leaves no handles behind.
   */
  static async open(config: Readonly<GalleyConfig>, options: AppOpenOptions = {}): Promise<App> {
    const logger = options.logger ?? pino({ level: config.logLevel, base: undefined });
    const cleanup: Array<() => Promise<void>> = [];
    try {
      const dataDir = resolve(config.dataDir);
      await mkdir(dataDir, { recursive: true });

      const db = await openDatabase({ url: config.databaseUrl, dataDir });
      cleanup.push(() => db.close());
      let logsDb = db;
      if (!config.databaseUrl) {
        logsDb = await openDatabase({ dataDir, file: 'auxiliary.db', sqlitePageCacheKib: LOGS_PAGE_CACHE_KIB });
        cleanup.push(() => logsDb.close());
      }

      await bootstrapSystemTables(db);

      const pubsub = options.pubsub ?? await createPubSub({
        redisUrl: config.redisUrl,
        keyPrefix: config.keyPrefix,
        onConnectionError: (err) => logger.error({ err }, 'pub/sub connection error'),
      });
      cleanup.push(() => pubsub.close());

      // Local disk, or S3 when settings `s3.enabled`; follows settings changes (read on each call,
      // so only after `settings.load()` below).
      const files = createSettingsFileStore({
        dataDir,
        s3Settings: () => settings.get().s3,
        onError: (err) => logger.error({ err }, 'failed to close a replaced file store'),
      });
      cleanup.push(() => files.close());

      const collections = new CollectionService(db);
      await collections.ensureSystemCollections();
      await collections.load();
      const records = new RecordService({ db, collections, files });

      const settings = new SettingsService({ db, encryptionKey: config.encryptionKey });
      await settings.load();

      const logs = new LogStore(logsDb);
      await logs.ensureTable();
      await ensureJobsTables(db);

      const app = new App({
        config,
        nodeId: options.nodeId ?? randomUUID(),
        logger,
        db,
        logsDb,
        pubsub,
        files,
        collections,
        records,
        settings,
        logs,
        realtime: options.realtime,
      });
      defineBuiltinJobKinds(app, options.builtinJobKinds);
      defineThumbnailJob(app);
      deleteFoldersOfDeletedCollections(app);
      deleteFilesOfTruncatedRecords(app);
      const counters = await createCounterStore({ redisUrl: config.redisUrl, keyPrefix: config.keyPrefix });
      cleanup.push(() => counters.close());
      app.#auth = new AuthService({
        db,
        collections,
        records,
        counters,
        ...(options.bruteForce ? { bruteForce: options.bruteForce } : {}),
        mail: () => (app as unknown as { mail?: MailPort }).mail,
        cipher: config.encryptionKey ? new SecretBox(config.encryptionKey) : undefined,
        appName: () => settings.get().meta.appName,
        logger: logger.child({ module: 'auth' }),
      });
      await app.#start();
      return app;
    } catch (err) {
      for (const close of cleanup.reverse()) await close().catch(() => {});
      throw err;
    }
  }

  async #start(): Promise<void> {
    await this.#invalidation.start();
    this.#unlisten.push(
      // Awaited by the services before they answer: the message is on its way to the other nodes
      // before the client can send its next request to one of them.
      this.collections.onChange(() => this.#invalidation.publish('collections')),
      this.settings.onChange(() => this.#invalidation.publish('settings')),
      this.records.onChange((e) => {
        if (e.action !== 'delete' || e.collection.type !== 'auth') return;
        deleteAuthRows(this.db, e.collection.id, String(e.record.id)).catch((err: unknown) =>
          this.logger.error({ err }, 'failed to delete the auth rows of a deleted record'),
        );
      }),
    );
    this.#retention.start();
    await this.realtime.start();
  }

  /**
   * Pending reloads of caches another node invalidated, or undefined (the usual case). Requests
   * wait for it, so a change acknowledged on one node is what the next request sees on this one.
   */
  cachesSettled(): Promise<void> | undefined {
    return this.#invalidation.settled();
  }

  /**
   * Starts the job worker and cron on this node unless `config.jobs` is off. Called when the server
   * listens; CLI commands that only open the app never run jobs. Idempotent.
   */
  async startJobs(): Promise<void> {
    if (!this.config.jobs || this.#closing) return;
    await this.jobs.start();
    this.cron.start();
  }

  /** Record lifecycle and request hooks (docs/hooks.md); serve/terminate are `onServe`/`onTerminate`. */
  get hooks(): AppHooks {
    return this.records.hooks;
  }

  /**
   * Runs `fn` in one transaction: `tx.records.*` (no rules), raw SQL, hooks and job enqueues commit
   * or roll back together (docs/transactions.md). No network I/O inside: enqueue a job instead.
   */
  transaction<T>(fn: (tx: AppTransaction) => Promise<T>, options?: AppTransactionOptions): Promise<T> {
    return runTransaction(this, fn, options);
  }

  /** Where SQLite files and local uploads live (absolute). */
  get dataDir(): string {
    return resolve(this.config.dataDir);
  }

  /**
   * Runs `onTerminate`, then closes in reverse order of opening: background work first (retention,
   * the log buffer is flushed), then pub/sub, files and the databases. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const errors: unknown[] = [];
    const step = async (fn: () => Promise<void> | void): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    };
    await step(() => this.onTerminate.trigger({ app: this }));
    // Jobs first: running handlers may still use every other part.
    this.cron.stop();
    await step(() => this.jobs.stop());
    this.mail.close();
    for (const unlisten of this.#unlisten) unlisten();
    await step(() => this.#retention.stop());
    await step(() => this.logWriter.close());
    await step(() => this.#invalidation.stop());
    await step(() => this.#auth?.close());
    await step(() => this.realtime.stop());
    await step(() => this.pubsub.close());
    await step(() => this.files.close());
    if (this.logsDb !== this.db) await step(() => this.logsDb.close());
    await step(() => this.db.close());
    if (errors.length > 0) throw new AggregateError(errors, 'errors while closing the app');
  }
}
