/**
 * Multipart bodies for the routes that accept them (records, batch), as route-level hooks.
 *
 * Why hooks and not a content-type parser: parsers are registered on the Fastify instance in
 * `server.ts`, which this folder does not own yet. `preParsing` reads the whole multipart stream,
 * then marks the request as body-less so Fastify's parser lookup (which would answer 415 for
 * multipart) is skipped; `preValidation` puts the parsed fields where every other parser puts
 * them, `request.body`. When the server registers `multipart/form-data` itself, these hooks see an
 * already parsed body and do nothing.
 */
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_BODY_LIMITS } from './body-limits.js';
import type { BodyLimits } from './body-limits.js';
import { parseMultipart } from './parse-multipart.js';
import type { MultipartBody } from './parse-multipart.js';
import type { UploadedFile } from './uploaded-file.js';

const parsedBodies = new WeakMap<FastifyRequest, MultipartBody>();

export interface MultipartBodyHooks {
  preParsing: (request: FastifyRequest, reply: FastifyReply, payload: Readable) => Promise<Readable>;
  preValidation: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

export function isMultipart(contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*multipart\/form-data\b/i.test(contentType);
}

/** `limits` may be a function for limits that follow live settings (batch's maxBodySize). */
export function multipartBodyHooks(limits: BodyLimits | (() => BodyLimits) = DEFAULT_BODY_LIMITS): MultipartBodyHooks {
  return {
    preParsing: async function readMultipartBody(request, _reply, payload) {
      if (!isMultipart(request.headers['content-type'])) return payload;
      const body = await parseMultipart(payload, request.headers, typeof limits === 'function' ? limits() : limits);
      parsedBodies.set(request, body);
      const headers = request.raw.headers;
      delete headers['content-type'];
      delete headers['transfer-encoding'];
      headers['content-length'] = '0';
      return payload;
    },
    preValidation: async function attachMultipartBody(request) {
      const body = parsedBodies.get(request);
      if (body) request.body = body.fields;
    },
  };
}

/** The file parts of a multipart request (empty for any other body). */
export function uploadedFiles(request: FastifyRequest): readonly UploadedFile[] {
  return parsedBodies.get(request)?.files ?? [];
}
