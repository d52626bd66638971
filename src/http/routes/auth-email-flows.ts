/**
 * PocketBase's mail-based account routes, all `POST /api/collections/{c}/<action>`, answering 204:
 *
 * | action | body |
 * |---|---|
 * | `request-verification` | `{email}` |
 * | `confirm-verification` | `{token}` |
 * | `request-password-reset` | `{email}` |
 * | `confirm-password-reset` | `{token, password, passwordConfirm}` |
 * | `request-email-change` | `{newEmail}` (a token of this collection) |
 * | `confirm-email-change` | `{token, password}` |
 *
 * The request steps answer 204 whether or not the email belongs to anyone: they validate the
 * address, answer, and only then look it up and queue the mail (`app.auth.background`; failures
 * are logged), so neither the answer nor its timing tells who is registered.
 */
import type { FastifyRequest, RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import {
  confirmEmailChange,
  confirmPasswordReset,
  confirmVerification,
  emailInput,
  requestEmailChange,
  requestPasswordReset,
  requestVerification,
} from '../../auth/email-flows.js';
import { authCollection } from '../../auth/password-auth.js';
import type { Collection } from '../../core/schema.js';
import type { Hook } from '../../core/hook.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import type { AppHooks, AuthRouteEvent } from '../../hooks/app-hooks.js';
import { bodyOf } from './auth-request-info.js';
import type { CollectionParams } from './collection-params.js';

type FlowHandler = (app: App, collection: Collection, body: Record<string, unknown>, request: FastifyRequest) => Promise<void>;

function emailFlowRoute(action: string, hook: (hooks: AppHooks) => Hook<AuthRouteEvent>, run: FlowHandler): (app: App) => RouteOptions {
  return (app) => ({
    method: 'POST',
    url: `/api/collections/:collection/${action}`,
    handler: async function emailFlowHandler(request, reply) {
      const collection = authCollection(app.collections, (request.params as CollectionParams).collection);
      return triggerRequest(hook(app.hooks), { collection, request, body: bodyOf(request) }, async ({ body }) => {
        await run(app, collection, body, request);
        return reply.code(204).send();
      }, reply);
    },
  });
}

// The request steps validate the address, then do the lookup and the mail after the answer.
export const authRequestVerificationRoute = emailFlowRoute(
  'request-verification',
  (h) => h.onRecordRequestVerificationRequest,
  async (app, c, body) => {
    const address = emailInput(body.email);
    app.auth.background('request-verification', () => requestVerification(app.auth.emailFlowDeps, c, address));
  },
);
export const authConfirmVerificationRoute = emailFlowRoute(
  'confirm-verification',
  (h) => h.onRecordConfirmVerificationRequest,
  (app, c, body) => confirmVerification(app.auth.emailFlowDeps, c, body.token),
);
export const authRequestPasswordResetRoute = emailFlowRoute(
  'request-password-reset',
  (h) => h.onRecordRequestPasswordResetRequest,
  async (app, c, body) => {
    const address = emailInput(body.email);
    app.auth.background('request-password-reset', () => requestPasswordReset(app.auth.emailFlowDeps, c, address));
  },
);
export const authConfirmPasswordResetRoute = emailFlowRoute(
  'confirm-password-reset',
  (h) => h.onRecordConfirmPasswordResetRequest,
  (app, c, body) => confirmPasswordReset(app.auth.emailFlowDeps, c, { token: body.token, password: body.password, passwordConfirm: body.passwordConfirm }),
);
export const authRequestEmailChangeRoute = emailFlowRoute(
  'request-email-change',
  (h) => h.onRecordRequestEmailChangeRequest,
  (app, c, body, request) => requestEmailChange(app.auth.emailFlowDeps, c, request.auth?.apiKey ? null : request.auth, body.newEmail),
);
export const authConfirmEmailChangeRoute = emailFlowRoute(
  'confirm-email-change',
  (h) => h.onRecordConfirmEmailChangeRequest,
  (app, c, body) => confirmEmailChange(app.auth.emailFlowDeps, c, { token: body.token, password: body.password }),
);
