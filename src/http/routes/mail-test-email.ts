/**
 * `POST /api/settings/test/email` (superusers), PocketBase's SMTP check: `{email, template,
 * collection?}` sends one of an auth collection's templates (`verification`, `password-reset`,
 * `email-change`, `otp`, `login-alert`; collection default `_superusers`) to `email` with sample
 * values. It is delivered at once, not queued, so the answer says whether the SMTP settings work:
 * 204, or 400 with the server's reason. On a `--dev` node without SMTP it lands in the outbox.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError, fieldError, validationError } from '../../core/errors.js';
import type { ErrorData } from '../../core/errors.js';
import type { Collection, EmailTemplate } from '../../core/schema.js';
import { isEmailAddress, validateMailMessage } from '../../mail/mail-message.js';
import { defaultTemplates } from '../../records/auth-options.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

const TEMPLATES = {
  verification: (c) => c.verificationTemplate ?? defaultTemplates.verification,
  'password-reset': (c) => c.resetPasswordTemplate ?? defaultTemplates.resetPassword,
  'email-change': (c) => c.confirmEmailChangeTemplate ?? defaultTemplates.confirmEmailChange,
  otp: (c) => c.otp?.emailTemplate ?? defaultTemplates.otp,
  'login-alert': (c) => c.authAlert?.emailTemplate ?? defaultTemplates.authAlert,
} satisfies Record<string, (c: Collection) => EmailTemplate>;

export function mailTestEmailRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/settings/test/email',
    preHandler: requireSuperuser,
    handler: async function sendTestEmail(request, reply) {
      const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
      const errors: ErrorData = {};
      const email = typeof body.email === 'string' ? body.email.trim() : '';
      if (email === '') errors.email = fieldError('validation_required');
      else if (!isEmailAddress(email)) errors.email = fieldError('validation_is_email');
      const template = typeof body.template === 'string' ? body.template : '';
      if (!Object.hasOwn(TEMPLATES, template)) {
        errors.template = fieldError('validation_invalid_value', undefined, `Must be one of ${Object.keys(TEMPLATES).join(', ')}.`);
      }
      const collectionName = typeof body.collection === 'string' && body.collection !== '' ? body.collection : '_superusers';
      const collection = app.collections.find(collectionName);
      if (!collection || collection.type !== 'auth') errors.collection = fieldError('validation_invalid_value', undefined, 'Must be an auth collection.');
      if (Object.keys(errors).length > 0 || !collection) throw validationError(errors);

      const rendered = app.mail.renderTemplate(TEMPLATES[template as keyof typeof TEMPLATES](collection), {
        TOKEN: 'TEST_TOKEN',
        OTP: '12345678',
        ALERT_INFO: 'a test login alert',
        'RECORD:email': email,
        'RECORD:id': 'RECORD_ID',
      });
      try {
        await app.mail.deliver(validateMailMessage({ to: email, subject: rendered.subject, html: rendered.html }));
      } catch (err) {
        const reason = err instanceof Error ? err.message.split('\n')[0]!.slice(0, 300) : 'unknown error';
        throw apiError('bad_request', 'Failed to send the test email.', { smtp: { code: 'validation_invalid_value', message: reason } });
      }
      return reply.code(204).send();
    },
  };
}
