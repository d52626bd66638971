/**
 * `multipart/form-data` bodies, parsed by one content-type parser registered with the server. Only
 * routes that opt in through their config (`multipartRoute(limits)`: records create/update, batch)
 * accept multipart; on any other route the parser refuses it with 415, as for an unknown type.
 * Limits may be a function for limits that follow live settings (batch's maxBodySize). The string
 * fields become `request.body`; the file parts are kept beside the request for `uploadedFiles`.
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiError } from '../../core/errors.js';
import { DEFAULT_BODY_LIMITS } from './body-limits.js';
import type { BodyLimits } from './body-limits.js';
import { parseMultipart } from './parse-multipart.js';
import type { UploadedFile } from './uploaded-file.js';

const uploads = new WeakMap<FastifyRequest, readonly UploadedFile[]>();

type LimitsSource = BodyLimits | (() => BodyLimits);

interface MultipartConfig {
  multipart?: LimitsSource;
}

/** Route `config` that lets a route accept multipart bodies with these limits. */
export function multipartRoute(limits: LimitsSource = DEFAULT_BODY_LIMITS): MultipartConfig {
  return { multipart: limits };
}

export function registerMultipartParser(fastify: FastifyInstance): void {
  fastify.addContentTypeParser('multipart/form-data', async function parseMultipartBody(request: FastifyRequest, payload: Readable) {
    const source = (request.routeOptions.config as MultipartConfig | undefined)?.multipart;
    if (source === undefined) throw apiError('unsupported_media_type');
    const body = await parseMultipart(payload, request.headers, typeof source === 'function' ? source() : source);
    uploads.set(request, body.files);
    return body.fields;
  });
}

/** The file parts of a multipart request (empty for any other body). */
export function uploadedFiles(request: FastifyRequest): readonly UploadedFile[] {
  return uploads.get(request) ?? [];
}
