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
import { LocalFileStore } from '../files/local/local-file-store.js';
import { LogRetention } from '../logs/log-retention.js';
import { LogStore } from '../logs/log-store.js';
import { LogWriter } from '../logs/log-writer.js';
import { createPubSub } from '../realtime/create-pubsub.js';
import type { PubSub } from '../realtime/pubsub.js';
import { CollectionService } from '../records/collection-service.js';
import { bootstrapSystemTables } from '../records/bootstrap-system-tables.js';
import { RecordService } from '../records/record-service.js';
import { SettingsService } from '../settings/settings-service.js';
import type { GalleyConfig } from './config.js';
import { Invalidation } from './invalidation.js';

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

  /** After the HTTP server listens. */
  readonly onServe = new Hook<ServeEvent>();
  /** Before the App closes its resources (graceful shutdown). */
  readonly onTerminate = new Hook<TerminateEvent>();

  readonly #invalidation: Invalidation;
  readonly #retention: LogRetention;
  readonly #unlisten: Array<() => void> = [];
  #closing: Promise<void> | undefined;

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
        logsDb = await openDatabase({ dataDir, file: 'auxiliary.db' });
        cleanup.push(() => logsDb.close());
      }

      await bootstrapSystemTables(db);

      const pubsub = options.pubsub ?? await createPubSub({
        redisUrl: config.redisUrl,
        keyPrefix: config.keyPrefix,
        onConnectionError: (err) => logger.error({ err }, 'pub/sub connection error'),
      });
      cleanup.push(() => pubsub.close());

      const files = new LocalFileStore({ root: join(dataDir, 'storage') });
      cleanup.push(() => files.close());

      const collections = new CollectionService(db);
      await collections.ensureSystemCollections();
      await collections.load();
      const records = new RecordService({ db, collections });

      const settings = new SettingsService({ db, encryptionKey: config.encryptionKey });
      await settings.load();

      const logs = new LogStore(logsDb);
      await logs.ensureTable();

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
    );
    this.#retention.start();
  }

  /**
   * Pending reloads of caches another node invalidated, or undefined (the usual case). Requests
   * wait for it, so a change acknowledged on one node is what the next request sees on this one.
   */
  cachesSettled(): Promise<void> | undefined {
    return this.#invalidation.settled();
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
    for (const unlisten of this.#unlisten) unlisten();
    await step(() => this.#retention.stop());
    await step(() => this.logWriter.close());
    await step(() => this.#invalidation.stop());
    await step(() => this.pubsub.close());
    await step(() => this.files.close());
    if (this.logsDb !== this.db) await step(() => this.logsDb.close());
    await step(() => this.db.close());
    if (errors.length > 0) throw new AggregateError(errors, 'errors while closing the app');
  }
}
