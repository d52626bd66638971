/**
 * The passkey (WebAuthn) routes of one auth collection (Galley, docs/passkeys.md): the logged-in
 * record's own passkeys and the two-step passkey login.
 */
import type { JsonSchema } from './field-schema.js';
import { json, jsonBody, obj, OPTIONAL_AUTH, pathParam, RECORD_AUTH, ref, STRING } from './openapi-helpers.js';
import type { PathEntry } from './openapi-helpers.js';
import type { CollectionNames } from './record-paths.js';

const CREDENTIAL: JsonSchema = { type: 'object', description: "The browser's WebAuthn credential as JSON (`PublicKeyCredential.toJSON()`)." };
const OPTIONS: JsonSchema = { type: 'object', description: 'WebAuthn options for `navigator.credentials.create/get` (JSON form).' };
const PASSKEY = obj({ id: STRING, name: STRING, created: { type: 'number', description: 'A timestamp.' }, lastUsed: { type: 'number', description: 'A timestamp (0: never).' } }, ['id', 'name']);

export function passkeyPaths(base: string, tags: string[], n: CollectionNames, login: Record<string, JsonSchema>): PathEntry[] {
  const errors = { 400: ref('responses', 'BadRequest'), 401: ref('responses', 'Unauthorized'), 403: ref('responses', 'Forbidden'), 404: ref('responses', 'NotFound') };
  const op = (operationId: string, summary: string, security: unknown[], extra: Record<string, unknown>): JsonSchema => ({
    tags,
    operationId: `${operationId}${n.op}`,
    summary: `${summary} (Galley)`,
    security,
    ...extra,
  });
  return [
    [`${base}/passkeys`, { get: op('listPasskeys', 'The logged-in record\'s passkeys', RECORD_AUTH, { responses: { 200: json(obj({ items: { type: 'array', items: PASSKEY } }, ['items']), 'Its passkeys.'), ...errors } }) }],
    [`${base}/passkeys/register-options`, { post: op('passkeyRegisterOptions', 'Options to register a new passkey', RECORD_AUTH, { responses: { 200: json(OPTIONS, 'Creation options.'), ...errors } }) }],
    [
      `${base}/passkeys/register`,
      {
        post: op('registerPasskey', 'Register a passkey from the browser\'s credential', RECORD_AUTH, {
          requestBody: jsonBody(obj({ credential: CREDENTIAL, name: STRING }, ['credential'])),
          responses: { 200: json(PASSKEY, 'The new passkey.'), ...errors },
        }),
      },
    ],
    [
      `${base}/passkeys/{id}`,
      { delete: op('deletePasskey', 'Remove one of the logged-in record\'s passkeys', RECORD_AUTH, { parameters: [pathParam('id', 'The passkey id.')], responses: { 204: { description: 'Removed.' }, ...errors } }) },
    ],
    [
      `${base}/auth-with-passkey-options`,
      {
        post: op('authWithPasskeyOptions', 'Options for a passkey login', OPTIONAL_AUTH, {
          requestBody: { required: false, content: { 'application/json': { schema: obj({ identity: { type: 'string', description: 'An email to narrow the allowed credentials (optional).' }, mfaId: STRING }) } } },
          responses: { 200: json(OPTIONS, 'Request options.'), 400: ref('responses', 'BadRequest') },
        }),
      },
    ],
    [
      `${base}/auth-with-passkey`,
      {
        post: op('authWithPasskey', 'Sign in with a passkey', OPTIONAL_AUTH, {
          parameters: [ref('parameters', 'expand'), ref('parameters', 'fields')],
          requestBody: jsonBody(obj({ credential: CREDENTIAL, mfaId: STRING }, ['credential'])),
          responses: login,
        }),
      },
    ],
  ];
}
