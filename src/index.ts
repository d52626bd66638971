/**
 * The package's public entry (`import ... from 'galley'`): what an embedding program needs to open
 * an app, serve it and run its migrations, plus the types its code will meet. Migration files
 * import from `galley/migrations` instead, which stays light.
 *
 * ```ts
 * import { App, Migrator, resolveConfig, startServer } from 'galley';
 * const app = await App.open(resolveConfig({ dataDir: './data' }));
 * await new Migrator({ db: app.db, collections: app.collections, dir: './migrations' }).up();
 * const server = await startServer(app);
 * ```
 */
export { App } from './app/app.js';
export type { AppOpenOptions, ServeEvent, TerminateEvent } from './app/app.js';
export { ConfigError, configEnv, resolveConfig } from './app/config.js';
export type { GalleyConfig, GalleyConfigInput } from './app/config.js';
export { startServer } from './http/server.js';
export type { GalleyServer, StartServerOptions } from './http/server.js';

export { ApiError, apiError, fieldError, isApiError, validationError } from './core/errors.js';
export type { ApiErrorBody, ErrorCode, ErrorData, FieldError, FieldErrorCode } from './core/errors.js';
export { Hook, TaggedHook } from './core/hook.js';
export { defineApp } from './app/app-file.js';
export type { AppFileInit } from './app/app-file.js';
export type * from './hooks/app-hooks.js';
export type { AppTransaction, AppTransactionOptions, GuardOptions, TxRecords, TxWriteOptions } from './hooks/transaction.js';
export type { IncomingFile } from './records/record-files.js';
export { incomingFileFromBytes } from './records/incoming-file-from-bytes.js';
export type { CustomRouteOptions, RouteEvent, RouteHandler, RouteMethod, RouteSchema } from './routes/custom-routes.js';
export type { HookEvent, HookFn, HookHandler } from './core/hook.js';

export type { AuthOptions, Collection, CollectionType, Field, FieldType } from './core/schema.js';
export type { CollectionChange, CollectionService } from './records/collection-service.js';
export type { Database, Dialect, IsolationLevel, Queryable, Row, RunResult, SqlParam, Transaction, TransactionOptions } from './db/database.js';
export type { PubSub, PubSubHandler } from './realtime/pubsub.js';
export type { FileAttributes, FileStore, ReadRange } from './files/file-store.js';

export { Migrator } from './migrations/migrator.js';
export type { MigrationStatus, MigratorOptions } from './migrations/migrator.js';
export { MigrationError } from './migrations/migration-error.js';
export { migration } from './migrations/public.js';
export type { Migration, MigrationApp } from './migrations/public.js';
