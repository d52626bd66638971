/**
 * Body parsers. JSON is Fastify's own parser (prototype-poisoning keys removed) except that an
 * empty body is accepted: the PocketBase SDK sends `Content-Type: application/json` on every
 * request, bodiless GET and DELETE included. urlencoded forms become flat objects whose values are
 * inferred the way PocketBase infers form values.
 */
import type { FastifyInstance } from 'fastify';
import { inferFormValue } from '../lib/form-value.js';
import { registerMultipartParser } from './body/multipart-body.js';

export function registerBodyParsers(fastify: FastifyInstance): void {
  registerMultipartParser(fastify);
  const parseJson = fastify.getDefaultJsonParser('remove', 'remove');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, function parseJsonOrEmpty(request, body, done) {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    parseJson(request, text, done);
  });
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    function parseUrlencoded(_request, body, done) {
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const [key, raw] of new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))) {
        const value = inferFormValue(raw);
        const prev = out[key];
        if (prev === undefined) out[key] = value;
        else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
      }
      done(null, out);
    },
  );
}
