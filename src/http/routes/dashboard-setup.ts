/**
 * First run: with no superuser, `galley serve` prints a one-time link to the dashboard's setup page
 * (`/_/#/setup/<token>`; after `#`, so the token never reaches a request log or a proxy), and
 * `POST /api/dashboard/setup` `{token, email, password, passwordConfirm}` creates the first superuser.
 *
 * The token is kept as a hash in the shared database (src/auth/setup-tokens.ts), so the node that
 * answers need not be the one that printed the link. It is spent by the first valid use and refused
 * once any superuser exists, whoever made it (the CLI, another link), so the link can never add a
 * second account.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { createFirstSuperuser } from '../../auth/superusers.js';
import { apiError, fieldError, validationError } from '../../core/errors.js';
import type { ErrorData } from '../../core/errors.js';

/** The dashboard URL that opens the setup page with `token`. */
export function setupUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/_/#/setup/${token}`;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkInput(body: Record<string, unknown>): { email: string; password: string } {
  const errors: ErrorData = {};
  const email = typeof body.email === 'string' ? body.email.trim() : '';
  const password = typeof body.password === 'string' ? body.password : '';
  if (email === '') errors.email = fieldError('validation_required');
  else if (!EMAIL.test(email) || email.length > 255) errors.email = fieldError('validation_is_email');
  if (password === '') errors.password = fieldError('validation_required');
  else if (password.length < 8) errors.password = fieldError('validation_min_text_constraint', { min: 8 });
  else if (password.length > 1024) errors.password = fieldError('validation_max_text_constraint', { max: 1024 });
  if (body.passwordConfirm !== password) errors.passwordConfirm = fieldError('validation_values_mismatch');
  if (Object.keys(errors).length > 0) throw validationError(errors);
  return { email, password };
}

/** `POST /api/dashboard/setup`: 204 once the first superuser exists; the dashboard then logs in. */
export function dashboardSetupRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/dashboard/setup',
    handler: async function dashboardSetup(request, reply) {
      const body = (request.body ?? {}) as Record<string, unknown>;
      if (typeof body !== 'object' || Array.isArray(body)) throw apiError('bad_request', 'The body must be a JSON object.');
      // Input errors do not spend the token: the person at the form can correct them.
      const { email, password } = checkInput(body);
      if (!(await createFirstSuperuser(app, body.token, email, password))) throw apiError('setup_link_invalid');
      return reply.code(204).send();
    },
  };
}
