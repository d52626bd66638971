/**
 * The tus resumable-upload endpoint, `/api/uploads/tus` (creation, POST) and
 * `/api/uploads/tus/{id}` (HEAD, PATCH, DELETE), handed to `@tus/server` on the raw Node request
 * after Galley's own hooks authenticated it (see files/uploads/resumable-uploads.ts). Bodies are
 * `application/offset+octet-stream`, which the server leaves unparsed for tus to stream.
 */
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { recordContext } from './records-context.js';
import { resumableUploads, TUS_PATH } from './uploads-service.js';

function tusHandler(app: App): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const uploads = resumableUploads(app);
  return async function handleTus(request, reply) {
    // tus writes the response itself; Fastify must not send one.
    reply.hijack();
    await uploads.handle(request.raw, reply.raw, recordContext(request));
  };
}

export function uploadsTusCreateRoute(app: App): RouteOptions {
  return { method: 'POST', url: TUS_PATH, handler: tusHandler(app) };
}

export function uploadsTusUploadRoute(app: App): RouteOptions {
  return { method: ['HEAD', 'PATCH', 'DELETE'], url: `${TUS_PATH}/:id`, handler: tusHandler(app) };
}
