/**
 * Files: protected-file tokens, downloads with thumbnails, and direct uploads (presigned S3 PUTs
 * with their finalize step, and tus resumable-upload creation).
 */
import { json, jsonBody, obj, OPTIONAL_AUTH, pathParam, queryParam, RECORD_AUTH, ref, STRING } from '../openapi-helpers.js';
import type { PathArea } from './path-area.js';

const tags = ['Files'];
const errors = { 400: ref('responses', 'BadRequest'), 403: ref('responses', 'Forbidden'), 404: ref('responses', 'NotFound') };

export const filesArea: PathArea = {
  tag: { name: 'Files', description: 'File downloads, protected-file tokens and direct uploads.' },
  paths: () => [
    [
      '/api/files/token',
      {
        post: {
          tags,
          operationId: 'fileToken',
          summary: 'A short-lived token for protected files',
          security: RECORD_AUTH,
          responses: { 200: json(obj({ token: STRING }, ['token']), 'The token (`?token=` on downloads).'), 401: ref('responses', 'Unauthorized'), 400: ref('responses', 'BadRequest') },
        },
      },
    ],
    [
      '/api/files/{collection}/{recordId}/{filename}',
      {
        get: {
          tags,
          operationId: 'downloadFile',
          summary: 'Download a file of a record (HEAD too)',
          description:
            'Files of `protected` fields need `?token=` whose identity passes the view rule; any failure is a 404. ETag / Last-Modified (304), single byte ranges (206 / 416).',
          security: [{}],
          parameters: [
            pathParam('collection', 'Collection id or name.'),
            pathParam('recordId', 'The record id.'),
            pathParam('filename', 'The stored file name.'),
            queryParam('thumb', { type: 'string', pattern: '^\\d+x\\d+[tbf]?$' }, 'A thumbnail size (`100x100` or one of the field\'s `thumbs`) for png/jpg/gif/webp.'),
            queryParam('download', { type: 'string' }, 'Any non-empty value other than 0/false forces an attachment.'),
            queryParam('token', STRING, 'A file token for protected files.'),
          ],
          responses: {
            200: { description: 'The file.', content: { '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } },
            206: { description: 'A byte range.' },
            304: { description: 'Not modified.' },
            404: ref('responses', 'NotFound'),
            416: { description: 'Range not satisfiable.' },
          },
        },
      },
    ],
    [
      '/api/uploads/presign',
      {
        post: {
          tags,
          operationId: 'presignUpload',
          summary: 'A presigned PUT URL for one file of a record (S3 storage)',
          description: 'Checked against the create rule (no `recordId`) or update rule of the record, and the field\'s size and type limits.',
          security: OPTIONAL_AUTH,
          requestBody: jsonBody(
            obj(
              { collection: STRING, field: STRING, filename: STRING, size: { type: 'integer', minimum: 0 }, contentType: STRING, recordId: { type: 'string', description: 'Omit to create the record at finalize.' } },
              ['collection', 'field', 'filename', 'size'],
            ),
          ),
          responses: {
            200: json(
              obj(
                { id: STRING, method: { type: 'string', const: 'PUT' }, url: STRING, headers: { type: 'object', additionalProperties: STRING }, collectionId: STRING, recordId: STRING, expires: STRING },
                ['id', 'method', 'url', 'headers', 'collectionId', 'expires'],
              ),
              'Where to PUT the bytes, then finalize with `id`.',
            ),
            ...errors,
          },
        },
      },
    ],
    [
      '/api/uploads/{id}/finalize',
      {
        post: {
          tags,
          operationId: 'finalizeUpload',
          summary: 'Attach a presigned upload to its record',
          description: 'The body holds the record\'s other fields when the upload creates the record. Answers the record like the records routes.',
          security: OPTIONAL_AUTH,
          parameters: [pathParam('id', 'The upload id from presign.'), ref('parameters', 'expand'), ref('parameters', 'fields')],
          requestBody: { required: false, content: { 'application/json': { schema: { type: 'object' } } } },
          responses: { 200: json({ type: 'object', description: 'The record.' }, 'The created or updated record.'), ...errors },
        },
      },
    ],
    [
      '/api/uploads/tus',
      {
        post: {
          tags,
          operationId: 'createTusUpload',
          summary: 'Create a tus resumable upload',
          description:
            'The tus 1.0 creation extension: `Tus-Resumable: 1.0.0`, `Upload-Length` and `Upload-Metadata` (collection, field, filename, recordId...). The upload itself (`HEAD`/`PATCH`/`DELETE /api/uploads/tus/{id}`) is the tus protocol, not described here.',
          security: OPTIONAL_AUTH,
          parameters: [
            { name: 'Tus-Resumable', in: 'header', required: true, schema: { type: 'string', const: '1.0.0' } },
            { name: 'Upload-Length', in: 'header', required: true, schema: { type: 'integer', minimum: 0 } },
            { name: 'Upload-Metadata', in: 'header', required: true, schema: STRING, description: 'Comma list of `key base64(value)`.' },
          ],
          responses: { 201: { description: 'Created; `Location` is the upload URL.' }, ...errors, 413: { description: 'Over the size limit.' } },
        },
      },
    ],
  ],
};
