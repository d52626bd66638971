/** Every built-in API route, one factory per action (the files under routes/). */
import type { RouteOptions } from 'fastify';
import type { App } from '../app/app.js';
import { authMethodsRoute } from './routes/auth-methods.js';
import { authRefreshRoute } from './routes/auth-refresh.js';
import { authWithPasswordRoute } from './routes/auth-with-password.js';
import { batchRoute } from './routes/batch.js';
import { collectionsCreateRoute } from './routes/collections-create.js';
import { collectionsDeleteRoute } from './routes/collections-delete.js';
import { collectionsImportRoute } from './routes/collections-import.js';
import { collectionsListRoute } from './routes/collections-list.js';
import { collectionsScaffoldsRoute } from './routes/collections-scaffolds.js';
import { collectionsTruncateRoute } from './routes/collections-truncate.js';
import { collectionsUpdateRoute } from './routes/collections-update.js';
import { collectionsViewRoute } from './routes/collections-view.js';
import { healthRoute } from './routes/health.js';
import { logsListRoute } from './routes/logs-list.js';
import { logsStatsRoute } from './routes/logs-stats.js';
import { logsViewRoute } from './routes/logs-view.js';
import { openapiDocsRoute } from './routes/openapi-docs.js';
import { openapiSpecRoute } from './routes/openapi-spec.js';
import { recordsCreateRoute } from './routes/records-create.js';
import { recordsDeleteRoute } from './routes/records-delete.js';
import { recordsListRoute } from './routes/records-list.js';
import { recordsUpdateRoute } from './routes/records-update.js';
import { recordsViewRoute } from './routes/records-view.js';
import { settingsUpdateRoute } from './routes/settings-update.js';
import { settingsViewRoute } from './routes/settings-view.js';

export type RouteFactory = (app: App) => RouteOptions;

export const apiRoutes: readonly RouteFactory[] = [
  healthRoute,
  collectionsListRoute,
  collectionsScaffoldsRoute,
  collectionsImportRoute,
  collectionsViewRoute,
  collectionsCreateRoute,
  collectionsUpdateRoute,
  collectionsDeleteRoute,
  collectionsTruncateRoute,
  authMethodsRoute,
  authWithPasswordRoute,
  authRefreshRoute,
  settingsViewRoute,
  settingsUpdateRoute,
  logsListRoute,
  logsStatsRoute,
  logsViewRoute,
  recordsListRoute,
  recordsViewRoute,
  recordsCreateRoute,
  recordsUpdateRoute,
  recordsDeleteRoute,
  batchRoute,
  openapiSpecRoute,
  openapiDocsRoute,
];
