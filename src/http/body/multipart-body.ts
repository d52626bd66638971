/**
 * `multipart/form-data` bodies, parsed by one content-type parser registered with the server. Only
 * routes that opt in through their config (`multipartRoute(limits)`: records create/update, batch)
 * accept multipart; on any other route the parser refuses it with 415, as for an unknown type.
 * Limits may be a function of the request (record routes derive them from the collection's file
 * fields; batch follows live settings). The string fields become `request.body`; the file parts
 * (streamed to temporary files) are kept beside the request for `uploadedFiles`, and their
 * temporary files are deleted when the response is done or the connection closes.
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiError } from '../../core/errors.js';
import { DEFAULT_BODY_LIMITS } from './body-limits.js';
import type { BodyLimits } from './body-limits.js';
import { parseMultipart, removeUploadTemps } from './parse-multipart.js';
import type { UploadedFile } from './uploaded-file.js';

const uploads = new WeakMap<FastifyRequest, readonly UploadedFile[]>();

type LimitsSource = BodyLimits | ((request: FastifyRequest) => BodyLimits);

interface MultipartConfig {
  multipart?: LimitsSource;
  /** Where file parts are written while the request runs. */
  multipartTempDir?: string;
}

/** Route `config` that lets a route accept multipart bodies with these limits. */
export function multipartRoute(limits: LimitsSource = DEFAULT_BODY_LIMITS, tempDir?: string): MultipartConfig {
  return tempDir === undefined ? { multipart: limits } : { multipart: limits, multipartTempDir: tempDir };
}

export function registerMultipartParser(fastify: FastifyInstance): void {
  fastify.addContentTypeParser('multipart/form-data', async function parseMultipartBody(request: FastifyRequest, payload: Readable) {
    const config = request.routeOptions.config as MultipartConfig | undefined;
    const source = config?.multipart;
    if (source === undefined) throw apiError('unsupported_media_type');
    const limits = typeof source === 'function' ? source(request) : source;
    const length = Number(request.headers['content-length']);
    if (Number.isFinite(length) && length > limits.maxBytes) {
      payload.resume();
      throw apiError('payload_too_large');
    }
    const options = config?.multipartTempDir === undefined ? {} : { tempDir: config.multipartTempDir };
    const body = await parseMultipart(payload, request.headers, limits, options);
    uploads.set(request, body.files);
    return body.fields;
  });
  // The temporary files live exactly as long as the request: `close` fires after the response is
  // sent and also when the client goes away first.
  fastify.addHook('preParsing', function removeUploadsOnClose(request, reply, payload, done) {
    const type = request.headers['content-type'];
    if (typeof type === 'string' && type.toLowerCase().startsWith('multipart/')) {
      reply.raw.once('close', () => {
        const files = uploads.get(request);
        if (files && files.length > 0) void removeUploadTemps(files);
      });
    }
    done(null, payload);
  });
}

/** The file parts of a multipart request (empty for any other body). */
export function uploadedFiles(request: FastifyRequest): readonly UploadedFile[] {
  return uploads.get(request) ?? [];
}
