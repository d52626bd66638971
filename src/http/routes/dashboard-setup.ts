/**
 * First run: with no superuser, `galley serve` prints a one-time link to the dashboard's setup page
 * (`/_/#/setup/<token>`; after `#`, so the token never reaches a request log or a proxy), and
 * `POST /api/dashboard/setup` `{token, email, password, passwordConfirm}` creates the first superuser.
 *
 * The token lives in this process only (the node that printed it), is compared in constant time,
 * and is spent by the first valid use. It is also refused once any superuser exists, whoever made
 * it (the CLI, another node's link), so the link can never add a second account.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { SUPERUSERS, upsertSuperuser } from '../../auth/superusers.js';
import { apiError, fieldError, validationError } from '../../core/errors.js';
import type { ErrorData } from '../../core/errors.js';
import { randomString } from '../../lib/random-string.js';

const tokens = new WeakMap<App, Buffer>();

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/** A new one-time setup token for `app` (replacing any earlier one). */
export function issueSetupToken(app: App): string {
  const token = randomString(40);
  tokens.set(app, digest(token));
  return token;
}

/** The dashboard URL that opens the setup page with `token`. */
export function setupUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/_/#/setup/${token}`;
}

function takeToken(app: App, token: unknown): boolean {
  const expected = tokens.get(app);
  if (!expected || typeof token !== 'string' || token.length === 0 || token.length > 200) return false;
  if (!timingSafeEqual(expected, digest(token))) return false;
  tokens.delete(app);
  return true;
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
      const spent = tokens.get(app);
      if (!takeToken(app, body.token)) throw apiError('setup_link_invalid');
      const row = await app.db.get<{ n: unknown }>(`SELECT COUNT(*) AS "n" FROM "${SUPERUSERS}"`);
      if (Number(row?.n ?? 0) > 0) throw apiError('setup_link_invalid');
      try {
        await upsertSuperuser(app, email, password);
      } catch (err) {
        // Nothing was created (a database failure): the link stays usable.
        if (spent && !tokens.has(app)) tokens.set(app, spent);
        throw err;
      }
      return reply.code(204).send();
    },
  };
}
