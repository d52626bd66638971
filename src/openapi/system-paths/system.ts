/**
 * System routes: health, settings (and their S3 / email tests), the API description itself, the
 * dashboard's first-superuser setup, and the OAuth2 redirect target.
 */
import { json, jsonBody, NO_CONTENT, obj, OPTIONAL_AUTH, ref, STRING, SUPERUSER_AUTH, SUPERUSER_ERRORS as su } from '../openapi-helpers.js';
import type { JsonSchema, PathEntry } from '../openapi-helpers.js';
import type { PathArea } from './path-area.js';

const tags = (t: string) => [t];
const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
/** Superusers only, except on a `--dev` node where anyone may read. */
const DEV_OPEN = 'Superusers only, except on a `--dev` node.';

function settingsTest(path: string, op: string, summary: string, body: Record<string, JsonSchema>, required: string[]): PathEntry {
  return [
    path,
    {
      post: {
        tags: tags('System'),
        operationId: op,
        summary,
        security: SUPERUSER_AUTH,
        requestBody: jsonBody(obj(body, required)),
        responses: { ...NO_CONTENT, 400: ref('responses', 'BadRequest'), ...su },
      },
    },
  ];
}

export const systemArea: PathArea = {
  tag: { name: 'System', description: 'Health, settings, the API description, setup.' },
  paths: () => [
    ['/api/health', { get: { tags: tags('System'), operationId: 'health', summary: 'Health check', security: OPTIONAL_AUTH, responses: { 200: json(ref('schemas', 'Health'), 'Healthy.') } } }],
    [
      '/api/settings',
      {
        get: { tags: tags('System'), operationId: 'getSettings', summary: 'Read settings', security: SUPERUSER_AUTH, responses: { 200: json(ref('schemas', 'Settings'), 'The settings.'), ...su } },
        patch: {
          tags: tags('System'),
          operationId: 'updateSettings',
          summary: 'Change settings',
          security: SUPERUSER_AUTH,
          requestBody: { required: true, content: { 'application/json': { schema: ref('schemas', 'Settings') } } },
          responses: { 200: json(ref('schemas', 'Settings'), 'The new settings.'), 400: ref('responses', 'BadRequest'), ...su },
        },
      },
    ],
    settingsTest('/api/settings/test/s3', 'testS3', 'Check the S3 connection of the settings', { filesystem: { type: 'string', enum: ['storage'], default: 'storage' } }, []),
    settingsTest(
      '/api/settings/test/email',
      'testEmail',
      'Send a test email with one of the templates',
      {
        email: { type: 'string', format: 'email' },
        template: { type: 'string', enum: ['verification', 'password-reset', 'email-change', 'otp', 'login-alert'] },
        collection: { type: 'string', default: '_superusers', description: 'An auth collection whose template is used.' },
      },
      ['email', 'template'],
    ),
    [
      '/api/openapi.json',
      {
        get: {
          tags: tags('System'),
          operationId: 'openapi',
          summary: 'This OpenAPI 3.1 document',
          description: DEV_OPEN,
          security: OPTIONAL_AUTH,
          responses: { 200: json({ type: 'object' }, 'The document.'), ...su },
        },
      },
    ],
    ['/api/docs', { get: { tags: tags('System'), operationId: 'apiDocs', summary: 'The API reference page', description: DEV_OPEN, security: OPTIONAL_AUTH, responses: { 200: html('An HTML page.'), ...su } } }],
    [
      '/api/dashboard/setup',
      {
        post: {
          tags: tags('System'),
          operationId: 'dashboardSetup',
          summary: 'Create the first superuser with the one-time setup token',
          description: 'The token is printed by `galley serve` while no superuser exists; it is sent as `token`.',
          security: [{}],
          requestBody: jsonBody(obj({ token: STRING, email: { type: 'string', format: 'email' }, password: { type: 'string', minLength: 8, maxLength: 1024, writeOnly: true }, passwordConfirm: { type: 'string', writeOnly: true } }, ['token', 'email', 'password', 'passwordConfirm'])),
          responses: { ...NO_CONTENT, 400: ref('responses', 'BadRequest'), 403: ref('responses', 'Forbidden') },
        },
      },
    ],
    [
      '/api/oauth2-redirect',
      Object.fromEntries(
        (['get', 'post'] as const).map((method) => [
          method,
          {
            tags: tags('System'),
            operationId: `oauth2Redirect${method === 'get' ? '' : 'Post'}`,
            summary: "OAuth2 providers' redirect target of the all-in-one flow",
            description: 'Forwards `state`, `code` (and `error`) to the realtime client whose id is `state` (topic `@oauth2`). Query parameters for GET, a form body (`response_mode=form_post`) for POST.',
            security: [{}],
            ...(method === 'get'
              ? { parameters: ['state', 'code', 'error'].map((name) => ({ name, in: 'query', required: false, schema: STRING })) }
              : { requestBody: { required: false, content: { 'application/x-www-form-urlencoded': { schema: obj({ state: STRING, code: STRING, error: STRING }) } } } }),
            responses: { 200: html('Login complete (a small page).'), 400: html('Login failed (a small page).') },
          },
        ]),
      ),
    ],
  ],
};
