/**
 * `POST /api/batch`: several record writes in one transaction, all or nothing (PocketBase's
 * shapes). The body is JSON `{requests: [{method, url, headers?, body?}]}` or multipart whose
 * `@jsonPayload` holds that JSON (the SDK always sends multipart). Results are answered in order as
 * `[{status, body}]`; the first failing request rolls everything back and the answer is 400
 * "Batch transaction failed." with that request's own error under `data.requests["<i>"]`.
 *
 * Settings (`settings.batch`): `enabled` (Galley: on by default), `maxRequests`, `timeout` seconds
 * (checked between requests: a batch past it fails and rolls back), `maxBodySize` bytes.
 */
import type { FastifyRequest, RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError, isApiError } from '../../core/errors.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import type { ApiError } from '../../core/errors.js';
import { compileFields, FieldsSyntaxError, pickFields } from '../../lib/pick-fields.js';
import type { RecordContext } from '../../records/record-service.js';
import { multipartRoute, uploadedFiles } from '../body/multipart-body.js';
import { DEFAULT_BODY_LIMITS } from '../body/body-limits.js';
import { requestBody } from '../body/request-body.js';
import { parseBatchAction } from './records-batch-action.js';
import type { BatchAction } from './records-batch-action.js';
import { recordContext } from './records-context.js';
import { ifMatchVersion } from './records-etag.js';
import { recordIdempotency } from './records-idempotency.js';
import { discardIncomingFiles } from '../../records/record-files.js';
import type { IncomingFile } from '../../records/record-files.js';
import { filesOfBatchItem, uploadTempDir } from './records-uploads.js';

/** PocketBase's default when `maxBodySize` is 0, and the route's hard upper bound. */
const DEFAULT_MAX_BODY = 128 * 1024 * 1024;

export interface BatchResult {
  status: number;
  body: unknown;
}

/** Thrown inside the transaction to roll it back and say which request failed. */
class BatchItemFailure extends Error {
  constructor(
    readonly index: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
}

export function batchRoute(app: App): RouteOptions {
  const maxBody = (): number => app.settings.get().batch.maxBodySize || DEFAULT_MAX_BODY;
  const idempotency = recordIdempotency(app);
  return {
    method: 'POST',
    url: '/api/batch',
    bodyLimit: DEFAULT_MAX_BODY,
    // The enabled check runs before the body is read: a disabled batch never buffers 128 MB.
    onRequest: async function batchEnabled(request) {
      if (!app.settings.get().batch.enabled) throw apiError('forbidden', 'Batch requests are not allowed.');
      const length = Number(request.headers['content-length']);
      if (Number.isFinite(length) && length > maxBody()) throw apiError('payload_too_large');
    },
    config: multipartRoute(() => ({ ...DEFAULT_BODY_LIMITS, maxBytes: maxBody(), maxFieldBytes: maxBody() }), uploadTempDir(app)),
    preHandler: idempotency.preHandler,
    onSend: idempotency.onSend,
    onResponse: idempotency.onResponse,
    handler: async function runBatch(request, reply) {
      const settings = app.settings.get().batch;
      const requests = requestBody(request.body).requests;
      if (!Array.isArray(requests) || requests.length === 0) {
        throw apiError('bad_request', 'Batch requests validation failed.', {
          requests: { code: 'validation_required', message: 'Cannot be blank.' },
        });
      }
      if (requests.length > settings.maxRequests) {
        throw apiError('bad_request', 'Batch requests validation failed.', {
          requests: {
            code: 'validation_length_too_long',
            message: `The length must be no more than ${settings.maxRequests}.`,
            params: { max: settings.maxRequests },
          },
        });
      }
      const parsed = requests.map((item, i) => parseBatchAction(item, i));
      const parts = uploadedFiles(request);
      // Keyed by the action object, so an onBatchRequest handler that drops an item keeps the others' files.
      const filesOf = new Map(parsed.map((a, i) => [a, filesOfBatchItem(parts, i)]));

      return triggerRequest(app.hooks.onBatchRequest, { request, batch: parsed }, async (e) => {
        const actions = e.batch as BatchAction[];
        const deadline = Date.now() + settings.timeout * 1000;
        let results: BatchResult[];
        try {
          results = await app.db.transaction(async () => {
            const out: BatchResult[] = [];
            for (const [i, action] of actions.entries()) {
              if (settings.timeout > 0 && Date.now() > deadline) {
                throw new BatchItemFailure(i, apiError('bad_request', 'Batch transaction timed out.'));
              }
              try {
                out.push(await runAction(app, request, action, filesOf.get(action) ?? []));
              } catch (err) {
                if (isApiError(err)) throw new BatchItemFailure(i, err);
                throw err;
              }
            }
            return out;
          });
        } catch (err) {
          // Uploads of items that succeeded before the failure were stored: the rollback removes them.
          await discardIncomingFiles(app.files, [...filesOf.values()].flat());
          if (err instanceof BatchItemFailure) throw batchFailed(err);
          throw err;
        }
        return results;
      }, reply);
    },
  };
}

function batchFailed(failure: BatchItemFailure): ApiError {
  const { error } = failure;
  return apiError('bad_request', 'Batch transaction failed.', {
    requests: {
      [String(failure.index)]: {
        code: 'batch_request_failed',
        message: 'Batch request failed.',
        response: error.toJSON(),
      },
    },
  });
}

function actionContext(request: FastifyRequest, action: BatchAction): RecordContext {
  const ctx = recordContext(request, 'batch');
  // Per-request headers feed `@request.headers`, but identity is always the outer request's.
  const { authorization: _ignored, ...itemHeaders } = action.headers;
  return {
    ...ctx,
    request: {
      ...ctx.request,
      method: action.kind === 'create' ? 'POST' : action.kind === 'upsert' ? 'PUT' : action.kind === 'update' ? 'PATCH' : 'DELETE',
      headers: { ...ctx.request.headers, ...itemHeaders },
      query: action.query,
    },
  };
}

async function runAction(app: App, request: FastifyRequest, action: BatchAction, files: IncomingFile[]): Promise<BatchResult> {
  const collection = await app.collections.findFresh(action.collection);
  if (!collection) throw apiError('collection_not_found');
  // As for the single-record routes: no id holds NUL, and PostgreSQL rejects it as a parameter.
  if (action.id.includes('\0')) throw apiError('not_found');
  const ctx = actionContext(request, action);
  // A failed item rolls the whole batch back (see the transaction above), so items need no savepoints.
  const opts = action.query.expand ? { expand: action.query.expand, files, failureEndsTransaction: true } : { files, failureEndsTransaction: true };
  const ifMatch = ifMatchVersion(action.headers['if-match']);
  const match = ifMatch === undefined ? {} : { ifMatch };
  let written;
  switch (action.kind) {
    case 'delete':
      await app.records.delete(collection.id, action.id, match, ctx);
      return { status: 204, body: null };
    case 'create':
      written = await app.records.create(collection.id, action.body, opts, ctx);
      break;
    case 'upsert':
      written = await app.records.upsert(collection.id, action.body, opts, ctx);
      break;
    case 'update':
      written = await app.records.update(collection.id, action.id, action.body, { ...opts, ...match }, ctx);
      break;
  }
  return { status: 200, body: pickBatchFields(written.record, action.query.fields) };
}

function pickBatchFields(record: Record<string, unknown>, fields: string | undefined): unknown {
  if (!fields) return record;
  try {
    return pickFields(record, compileFields(fields));
  } catch (err) {
    if (err instanceof FieldsSyntaxError) throw apiError('invalid_query_param', `Invalid fields parameter: ${err.message}.`);
    throw err;
  }
}
