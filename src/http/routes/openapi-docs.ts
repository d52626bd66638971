/**
 * `GET /api/docs`: the readable page for `/api/openapi.json`. The API's CSP forbids everything;
 * this one HTML page gets a CSP that allows exactly its own inline script (by hash), its inline
 * styles and a same-origin fetch of the document — nothing from elsewhere.
 */
import { createHash } from 'node:crypto';
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';

function docsPageCsp(page: string): string {
  const hashes: string[] = [];
  for (const match of page.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
    hashes.push(`'sha256-${createHash('sha256').update(match[1] ?? '').digest('base64')}'`);
  }
  return [
    "default-src 'none'",
    `script-src ${hashes.join(' ') || "'none'"}`,
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'self'",
  ].join('; ');
}

export function openapiDocsRoute(_app: App): RouteOptions {
  // Rendered on the first visit, not at start: the page and its renderer are only for people reading the docs.
  let rendered: Promise<{ page: string; csp: string }> | undefined;
  return {
    method: 'GET',
    url: '/api/docs',
    handler: async function openapiDocs(_request, reply) {
      rendered ??= import('../../openapi/render-docs-page.js').then(({ renderDocsPage }) => {
        const page = renderDocsPage('/api/openapi.json');
        return { page, csp: docsPageCsp(page) };
      });
      const { page, csp } = await rendered;
      reply.header('content-security-policy', csp);
      return reply.type('text/html; charset=utf-8').send(page);
    },
  };
}
