/** API keys (superusers): mint, list, revoke. */
import { json, jsonBody, NO_CONTENT, obj, pathParam, ref, STRING, SUPERUSER_AUTH, SUPERUSER_ERRORS as su } from '../openapi-helpers.js';
import type { PathArea } from './path-area.js';

const tags = ['API keys'];
const keyInfo = {
  id: STRING,
  name: STRING,
  collectionId: STRING,
  recordId: STRING,
  prefix: { type: 'string', description: 'The first characters of the key, to recognise it.' },
  scopes: { type: 'array', items: STRING },
  expires: { type: 'string', description: "ISO datetime, '' = never." },
  created: STRING,
  lastUsed: { type: 'string', description: "ISO datetime (to the minute), '' = never used." },
  revoked: { type: 'string', description: "ISO datetime, '' = active." },
};

export const apiKeysArea: PathArea = {
  tag: { name: 'API keys', description: 'Long-lived keys acting as an auth record, optionally scoped (superusers only, Galley).' },
  schemas: { ApiKey: { type: 'object', properties: keyInfo, required: ['id', 'name'] } },
  paths: () => [
    [
      '/api/apikeys',
      {
        post: {
          tags,
          operationId: 'createApiKey',
          summary: 'Mint an API key (the key is shown once)',
          security: SUPERUSER_AUTH,
          requestBody: jsonBody(
            obj(
              {
                name: STRING,
                collection: { type: 'string', description: 'Auth collection id or name.' },
                recordId: STRING,
                scopes: { type: 'array', items: STRING },
                duration: { type: 'integer', minimum: 0, description: 'Lifetime in seconds (0: no expiry).' },
              },
              ['name', 'collection', 'recordId'],
            ),
          ),
          responses: { 200: json({ type: 'object', properties: { ...keyInfo, key: { type: 'string', description: 'The secret, only in this answer.' } }, required: ['id', 'key'] }, 'The key.'), 400: ref('responses', 'BadRequest'), ...su },
        },
        get: {
          tags,
          operationId: 'listApiKeys',
          summary: 'List API keys (never the secrets)',
          security: SUPERUSER_AUTH,
          responses: { 200: json(obj({ items: { type: 'array', items: ref('schemas', 'ApiKey') } }, ['items']), 'Every key.'), ...su },
        },
      },
    ],
    [
      '/api/apikeys/{id}',
      {
        delete: {
          tags,
          operationId: 'revokeApiKey',
          summary: 'Revoke an API key',
          security: SUPERUSER_AUTH,
          parameters: [pathParam('id', 'The key id.')],
          responses: { ...NO_CONTENT, ...su, 404: ref('responses', 'NotFound') },
        },
      },
    ],
  ],
};
