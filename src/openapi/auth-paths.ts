/**
 * The auth routes of one auth collection: auth methods, the auth-with-* logins (with MFA's
 * `mfaId` step), refresh, the email flows, TOTP enrolment, passkeys and impersonation.
 */
import type { Collection } from '../core/schema.js';
import type { JsonSchema } from './field-schema.js';
import { json, jsonBody, obj, OPTIONAL_AUTH, RECORD_AUTH, ref, STRING, SUPERUSER_AUTH } from './openapi-helpers.js';
import type { PathEntry } from './openapi-helpers.js';
import { passkeyPaths } from './passkey-paths.js';
import { ruleText } from './record-paths.js';
import type { CollectionNames } from './record-paths.js';

const MFA_ID: JsonSchema = { type: 'string', description: 'The `mfaId` from an earlier 401 (MFA); also accepted as `?mfaId=`.' };

export function authPaths(c: Collection, n: CollectionNames): PathEntry[] {
  const base = `/api/collections/${encodeURIComponent(c.name)}`;
  const tags = [c.name];
  const authOk = json(ref('schemas', n.auth), 'Authenticated: a token and the auth record.');
  // With MFA on, a first factor answers 401 `{mfaId}`; the second login sends it back.
  const mfaNeeded = json(ref('schemas', 'MfaRequired'), 'MFA: this factor passed, another is needed; send `mfaId` with the next login (or an Error).');
  const login = { 200: authOk, 400: ref('responses', 'BadRequest'), 401: mfaNeeded, 403: ref('responses', 'Forbidden'), 429: ref('responses', 'TooManyRequests') };
  const record = ref('parameters', 'recordId');
  const own = { 401: ref('responses', 'Unauthorized'), 403: ref('responses', 'Forbidden'), 404: ref('responses', 'NotFound') };
  const post = (op: string, summary: string, schema: JsonSchema | undefined, responses: JsonSchema, description?: string): Record<string, JsonSchema> => ({
    post: {
      tags,
      operationId: `${op}${n.op}`,
      summary,
      ...(description ? { description } : {}),
      security: OPTIONAL_AUTH,
      parameters: [ref('parameters', 'expand'), ref('parameters', 'fields')],
      ...(schema ? { requestBody: { required: true, content: { 'application/json': { schema } } } } : {}),
      responses,
    },
  });
  const s = STRING;
  const noContent = { 204: { description: 'Done (empty body).' }, 400: ref('responses', 'BadRequest') };
  const paths: PathEntry[] = [
    [
      `${base}/auth-methods`,
      {
        get: {
          tags,
          operationId: `authMethods${n.op}`,
          summary: `Auth methods of ${c.name}`,
          security: OPTIONAL_AUTH,
          parameters: [ref('parameters', 'fields')],
          responses: {
            200: json(
              {
                type: 'object',
                properties: { password: { type: 'object' }, oauth2: { type: 'object' }, mfa: { type: 'object' }, otp: { type: 'object' } },
                required: ['password', 'oauth2', 'mfa', 'otp'],
              },
              'The enabled auth methods.',
            ),
          },
        },
      },
    ],
    [
      `${base}/auth-with-password`,
      post(
        'authWithPassword',
        `Sign in to ${c.name} with a password`,
        obj({ identity: s, password: { type: 'string', writeOnly: true }, identityField: s, mfaId: MFA_ID }, ['identity', 'password']),
        login,
        ruleText(c.authRule, 'Auth rule'),
      ),
    ],
    [
      `${base}/auth-refresh`,
      post('authRefresh', `Refresh a ${c.name} token`, undefined, {
        200: authOk,
        401: ref('responses', 'Unauthorized'),
        403: ref('responses', 'Forbidden'),
      }),
    ],
    [`${base}/request-otp`, post('requestOtp', 'Email a one-time password', obj({ email: s }, ['email']), { 200: json(obj({ otpId: s }, ['otpId']), 'The OTP id.'), 400: ref('responses', 'BadRequest') })],
    [`${base}/auth-with-otp`, post('authWithOtp', 'Sign in with a one-time password', obj({ otpId: s, password: s, mfaId: MFA_ID }, ['otpId', 'password']), login)],
    [
      `${base}/auth-with-oauth2`,
      post(
        'authWithOauth2',
        'Sign in with an OAuth2 code',
        obj({ provider: s, code: s, codeVerifier: s, redirectURL: s, createData: { type: 'object' }, mfaId: MFA_ID }, ['provider', 'code', 'redirectURL']),
        login,
      ),
    ],
    [`${base}/request-verification`, post('requestVerification', 'Email a verification link', obj({ email: s }, ['email']), noContent)],
    [`${base}/confirm-verification`, post('confirmVerification', 'Confirm a verification token', obj({ token: s }, ['token']), noContent)],
    [`${base}/request-password-reset`, post('requestPasswordReset', 'Email a password reset link', obj({ email: s }, ['email']), noContent)],
    [
      `${base}/confirm-password-reset`,
      post('confirmPasswordReset', 'Set a new password with a reset token', obj({ token: s, password: s, passwordConfirm: s }, ['token', 'password', 'passwordConfirm']), noContent),
    ],
    [`${base}/request-email-change`, post('requestEmailChange', 'Email a confirmation for a new address', obj({ newEmail: s }, ['newEmail']), noContent)],
    [`${base}/confirm-email-change`, post('confirmEmailChange', 'Confirm an email change', obj({ token: s, password: s }, ['token', 'password']), noContent)],
    [
      `${base}/auth-with-totp`,
      post(
        'authWithTotp',
        'Second MFA step with an authenticator-app or recovery code (Galley)',
        obj({ mfaId: MFA_ID, code: { type: 'string', description: 'A 6-digit TOTP code or an unused recovery code.' } }, ['mfaId', 'code']),
        login,
      ),
    ],
    [
      `${base}/totp`,
      {
        get: {
          tags,
          operationId: `totpStatus${n.op}`,
          summary: 'TOTP enrolment of the logged-in record (Galley)',
          security: RECORD_AUTH,
          responses: { 200: json(obj({ enabled: { type: 'boolean' }, recoveryCodesLeft: { type: 'integer' } }, ['enabled', 'recoveryCodesLeft']), 'The status.'), ...own },
        },
      },
    ],
    [
      `${base}/totp/setup`,
      ownPost('totpSetup', 'Start TOTP enrolment (unconfirmed until confirm)', undefined, json(obj({ secret: s, uri: { type: 'string', description: 'otpauth:// URI for a QR code.' } }, ['secret', 'uri']), 'The new secret.')),
    ],
    [
      `${base}/totp/confirm`,
      ownPost('totpConfirm', 'Confirm TOTP enrolment with a first code', obj({ code: s }, ['code']), json(obj({ recoveryCodes: { type: 'array', items: s } }, ['recoveryCodes']), 'Recovery codes, shown once.')),
    ],
    [
      `${base}/totp/disable`,
      ownPost('totpDisable', 'Turn TOTP off (needs a current code or the password)', obj({ code: s, password: { type: 'string', writeOnly: true } }), { description: 'Disabled (empty body).' }, 204),
    ],
    [
      `${base}/impersonate/{id}`,
      {
        post: {
          tags,
          operationId: `impersonate${n.op}`,
          summary: `Get a non-refreshable token for a ${c.name} record (superusers)`,
          security: SUPERUSER_AUTH,
          parameters: [record, ref('parameters', 'expand'), ref('parameters', 'fields')],
          requestBody: { required: false, content: { 'application/json': { schema: obj({ duration: { type: 'integer', minimum: 0, description: 'Token lifetime in seconds (0: the collection default).' } }) } } },
          responses: { 200: authOk, 400: ref('responses', 'BadRequest'), ...own },
        },
      },
    ],
    ...passkeyPaths(base, tags, n, login),
  ];
  return paths;

  /** A POST on the logged-in record's own TOTP enrolment. */
  function ownPost(op: string, summary: string, schema: JsonSchema | undefined, ok: JsonSchema, status = 200): Record<string, JsonSchema> {
    return {
      post: {
        tags,
        operationId: `${op}${n.op}`,
        summary: `${summary} (Galley)`,
        security: RECORD_AUTH,
        ...(schema ? { requestBody: jsonBody(schema) } : {}),
        responses: { [status]: ok, 400: ref('responses', 'BadRequest'), ...own, 429: ref('responses', 'TooManyRequests') },
      },
    };
  }
}
