/** Collection definitions (superusers): list, view, create, update, delete, truncate, import, scaffolds, migration preview. */
import { json, jsonBody, LIST_PARAMS, ref, SUPERUSER_AUTH, SUPERUSER_ERRORS as su, STRING, obj } from '../openapi-helpers.js';
import type { PathArea } from './path-area.js';

const tags = (t: string) => [t];
const collectionBody = jsonBody(ref('schemas', 'Collection'));

export const collectionsArea: PathArea = {
  tag: { name: 'Collections', description: 'Collection definitions (superusers only).' },
  paths: () => [
    [
      '/api/collections',
      {
        get: {
          tags: tags('Collections'),
          operationId: 'listCollections',
          summary: 'List collections',
          security: SUPERUSER_AUTH,
          parameters: LIST_PARAMS,
          responses: { 200: json(ref('schemas', 'CollectionList'), 'A page of collections.'), ...su },
        },
        post: {
          tags: tags('Collections'),
          operationId: 'createCollection',
          summary: 'Create a collection',
          security: SUPERUSER_AUTH,
          requestBody: collectionBody,
          responses: { 200: json(ref('schemas', 'Collection'), 'The created collection.'), 400: ref('responses', 'BadRequest'), ...su },
        },
      },
    ],
    [
      '/api/collections/{collectionIdOrName}',
      {
        get: {
          tags: tags('Collections'),
          operationId: 'viewCollection',
          summary: 'View a collection',
          security: SUPERUSER_AUTH,
          parameters: [ref('parameters', 'collectionIdOrName')],
          responses: { 200: json(ref('schemas', 'Collection'), 'The collection.'), ...su, 404: ref('responses', 'NotFound') },
        },
        patch: {
          tags: tags('Collections'),
          operationId: 'updateCollection',
          summary: 'Update a collection',
          security: SUPERUSER_AUTH,
          parameters: [ref('parameters', 'collectionIdOrName')],
          requestBody: collectionBody,
          responses: { 200: json(ref('schemas', 'Collection'), 'The updated collection.'), 400: ref('responses', 'BadRequest'), ...su, 404: ref('responses', 'NotFound') },
        },
        delete: {
          tags: tags('Collections'),
          operationId: 'deleteCollection',
          summary: 'Delete a collection',
          security: SUPERUSER_AUTH,
          parameters: [ref('parameters', 'collectionIdOrName')],
          responses: { 204: { description: 'Deleted.' }, 400: ref('responses', 'BadRequest'), ...su, 404: ref('responses', 'NotFound') },
        },
      },
    ],
    [
      '/api/collections/{collectionIdOrName}/truncate',
      {
        delete: {
          tags: tags('Collections'),
          operationId: 'truncateCollection',
          summary: 'Delete all records of a collection',
          security: SUPERUSER_AUTH,
          parameters: [ref('parameters', 'collectionIdOrName')],
          responses: { 204: { description: 'Truncated.' }, 400: ref('responses', 'BadRequest'), ...su, 404: ref('responses', 'NotFound') },
        },
      },
    ],
    [
      '/api/collections/import',
      {
        put: {
          tags: tags('Collections'),
          operationId: 'importCollections',
          summary: 'Import collections',
          security: SUPERUSER_AUTH,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { type: 'object', properties: { collections: { type: 'array', items: ref('schemas', 'Collection') }, deleteMissing: { type: 'boolean' } }, required: ['collections'] },
              },
            },
          },
          responses: { 204: { description: 'Imported.' }, 400: ref('responses', 'BadRequest'), ...su },
        },
      },
    ],
    [
      '/api/collections/meta/scaffolds',
      {
        get: {
          tags: tags('Collections'),
          operationId: 'collectionScaffolds',
          summary: 'Default collection shapes per type',
          security: SUPERUSER_AUTH,
          responses: { 200: json({ type: 'object', additionalProperties: ref('schemas', 'Collection') }, 'One scaffold per type.'), ...su },
        },
      },
    ],
    [
      '/api/collections/meta/migration-preview',
      {
        post: {
          tags: tags('Collections'),
          operationId: 'collectionMigrationPreview',
          summary: 'The migration file a collection change would write (dashboard, Galley)',
          security: SUPERUSER_AUTH,
          requestBody: collectionBody,
          responses: {
            200: json(obj({ action: { type: 'string', enum: ['create', 'update'] }, file: STRING, source: STRING }, ['action', 'file', 'source']), 'The migration file name and source.'),
            400: ref('responses', 'BadRequest'),
            ...su,
          },
        },
      },
    ],
  ],
};
