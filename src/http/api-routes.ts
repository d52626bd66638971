/** Every built-in API route, one factory per action (the files under routes/). */
import type { RouteOptions } from 'fastify';
import type { App } from '../app/app.js';
import { authMethodsRoute } from './routes/auth-methods.js';
import { authRefreshRoute } from './routes/auth-refresh.js';
import { authWithPasswordRoute } from './routes/auth-with-password.js';
import { authApiKeysCreateRoute, authApiKeysListRoute, authApiKeysRevokeRoute } from './routes/auth-api-keys.js';
import {
  authConfirmEmailChangeRoute,
  authConfirmPasswordResetRoute,
  authConfirmVerificationRoute,
  authRequestEmailChangeRoute,
  authRequestPasswordResetRoute,
  authRequestVerificationRoute,
} from './routes/auth-email-flows.js';
import { authImpersonateRoute } from './routes/auth-impersonate.js';
import { authRequestOtpRoute } from './routes/auth-request-otp.js';
import { authTotpConfirmRoute, authTotpDisableRoute, authTotpSetupRoute, authTotpStatusRoute } from './routes/auth-totp.js';
import { authWithOAuth2Route } from './routes/auth-oauth2.js';
import {
  authPasskeysDeleteRoute,
  authPasskeysListRoute,
  authPasskeysRegisterOptionsRoute,
  authPasskeysRegisterRoute,
  authWithPasskeyOptionsRoute,
  authWithPasskeyRoute,
} from './routes/auth-passkeys.js';
import { authWithOtpRoute } from './routes/auth-with-otp.js';
import { oauth2RedirectRoute } from './routes/oauth2-redirect.js';
import { authWithTotpRoute } from './routes/auth-with-totp.js';
import { batchRoute } from './routes/batch.js';
import { collectionsCreateRoute } from './routes/collections-create.js';
import { collectionsDeleteRoute } from './routes/collections-delete.js';
import { collectionsImportRoute } from './routes/collections-import.js';
import { collectionsListRoute } from './routes/collections-list.js';
import { collectionsScaffoldsRoute } from './routes/collections-scaffolds.js';
import { collectionsTruncateRoute } from './routes/collections-truncate.js';
import { collectionsUpdateRoute } from './routes/collections-update.js';
import { collectionsViewRoute } from './routes/collections-view.js';
import { filesDownloadRoute } from './routes/files-download.js';
import { filesTokenRoute } from './routes/files-token.js';
import { dashboardMigrationPreviewRoute } from './routes/dashboard-migration-preview.js';
import { dashboardSetupRoute } from './routes/dashboard-setup.js';
import { graphqlGetRoute, graphqlPostRoute } from './routes/graphql-query.js';
import { graphqlSchemaRoute } from './routes/graphql-schema.js';
import { healthRoute } from './routes/health.js';
import { jobsCancelRoute } from './routes/jobs-cancel.js';
import { jobsExportFileRoute } from './routes/jobs-export-file.js';
import { jobsExportRoute } from './routes/jobs-export.js';
import { jobsListRoute } from './routes/jobs-list.js';
import { jobsPurgeDeadRoute } from './routes/jobs-purge-dead.js';
import { jobsRetryRoute } from './routes/jobs-retry.js';
import { jobsViewRoute } from './routes/jobs-view.js';
import { logsListRoute } from './routes/logs-list.js';
import { logsStatsRoute } from './routes/logs-stats.js';
import { logsViewRoute } from './routes/logs-view.js';
import { mailOutboxRoute } from './routes/mail-outbox.js';
import { mailTestEmailRoute } from './routes/mail-test-email.js';
import { openapiDocsRoute } from './routes/openapi-docs.js';
import { openapiSpecRoute } from './routes/openapi-spec.js';
import { recordsCreateRoute } from './routes/records-create.js';
import { recordsDeleteRoute } from './routes/records-delete.js';
import { recordsListRoute } from './routes/records-list.js';
import { recordsUpdateRoute } from './routes/records-update.js';
import { recordsViewRoute } from './routes/records-view.js';
import { settingsUpdateRoute } from './routes/settings-update.js';
import { settingsViewRoute } from './routes/settings-view.js';
import { settingsTestS3Route } from './routes/settings-test-s3.js';
import { uploadsFinalizeRoute } from './routes/uploads-finalize.js';
import { uploadsPresignRoute } from './routes/uploads-presign.js';
import { uploadsTusCreateRoute, uploadsTusUploadRoute } from './routes/uploads-tus.js';

export type RouteFactory = (app: App) => RouteOptions;

export const apiRoutes: readonly RouteFactory[] = [
  healthRoute,
  collectionsListRoute,
  collectionsScaffoldsRoute,
  dashboardMigrationPreviewRoute,
  collectionsImportRoute,
  collectionsViewRoute,
  collectionsCreateRoute,
  collectionsUpdateRoute,
  collectionsDeleteRoute,
  collectionsTruncateRoute,
  authMethodsRoute,
  authWithPasswordRoute,
  authRefreshRoute,
  dashboardSetupRoute,
  authRequestOtpRoute,
  authWithOtpRoute,
  authWithOAuth2Route,
  oauth2RedirectRoute,
  authPasskeysListRoute,
  authPasskeysRegisterOptionsRoute,
  authPasskeysRegisterRoute,
  authPasskeysDeleteRoute,
  authWithPasskeyOptionsRoute,
  authWithPasskeyRoute,
  authWithTotpRoute,
  authTotpStatusRoute,
  authTotpSetupRoute,
  authTotpConfirmRoute,
  authTotpDisableRoute,
  authRequestVerificationRoute,
  authConfirmVerificationRoute,
  authRequestPasswordResetRoute,
  authConfirmPasswordResetRoute,
  authRequestEmailChangeRoute,
  authConfirmEmailChangeRoute,
  authImpersonateRoute,
  authApiKeysCreateRoute,
  authApiKeysListRoute,
  authApiKeysRevokeRoute,
  settingsViewRoute,
  settingsUpdateRoute,
  settingsTestS3Route,
  uploadsPresignRoute,
  uploadsFinalizeRoute,
  uploadsTusCreateRoute,
  uploadsTusUploadRoute,
  logsListRoute,
  logsStatsRoute,
  logsViewRoute,
  jobsListRoute,
  jobsViewRoute,
  jobsRetryRoute,
  jobsCancelRoute,
  jobsPurgeDeadRoute,
  jobsExportRoute,
  jobsExportFileRoute,
  mailOutboxRoute,
  mailTestEmailRoute,
  recordsListRoute,
  recordsViewRoute,
  recordsCreateRoute,
  recordsUpdateRoute,
  recordsDeleteRoute,
  batchRoute,
  filesTokenRoute,
  filesDownloadRoute,
  openapiSpecRoute,
  openapiDocsRoute,
  graphqlPostRoute,
  graphqlGetRoute,
  graphqlSchemaRoute,
];
