/**
 * The admin dashboard: the single-page app built from `ui/` into `dist/ui/` (`npm run build:ui`),
 * served under `/_/`.
 *
 * - Hashed files (`/_/assets/*`) never change under one name: cached for a year, immutable.
 * - `index.html` (and any path that is not a file: the SPA's fallback) must be revalidated on every
 *   visit so that a new build is picked up at once: `no-cache` plus an ETag (304 when unchanged).
 * - Text files are gzipped once, in memory, for clients that accept it.
 * - The CSP allows exactly what the SPA does: its own scripts and styles, API calls and the
 *   realtime stream to the same origin, images from the API (file previews, `data:`/`blob:`
 *   previews of files about to be uploaded).
 *
 * The build is read from disk on first use and kept in memory (it is a few hundred KB).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError } from '../../core/errors.js';

/** src/http/routes and dist/http/routes both sit three levels below the package root. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../dist/ui/', import.meta.url));

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Inline style attributes are set by the UI code (chart bar heights, column widths).
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: https:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const SAFE_PATH = /^[\w.\-/]+$/;

interface StaticFile {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
  etag: string;
}

/** Loads and caches the files of one build directory; a missing file is cached as `null`. */
export class DashboardFiles {
  readonly #dir: string;
  readonly #cache = new Map<string, Promise<StaticFile | null>>();

  constructor(dir: string = DASHBOARD_DIR) {
    this.#dir = dir;
  }

  get(relativePath: string): Promise<StaticFile | null> {
    let entry = this.#cache.get(relativePath);
    if (!entry) {
      entry = this.#load(relativePath);
      this.#cache.set(relativePath, entry);
    }
    return entry;
  }

  async #load(relativePath: string): Promise<StaticFile | null> {
    if (!SAFE_PATH.test(relativePath) || relativePath.split('/').some((p) => p === '' || p === '.' || p === '..')) return null;
    const full = normalize(this.#dir + relativePath);
    if (!full.startsWith(normalize(this.#dir + sep))) return null;
    let body: Buffer;
    try {
      body = await readFile(full);
    } catch {
      return null;
    }
    const type = TYPES[extname(full)] ?? 'application/octet-stream';
    const compressible = /^(text\/|application\/json|image\/svg)/.test(type) && body.length > 1024;
    return {
      body,
      gzip: compressible ? gzipSync(body, { level: 9 }) : undefined,
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    };
  }
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile, immutable: boolean): FastifyReply {
  reply.header('content-security-policy', DASHBOARD_CSP);
  reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  reply.header('etag', file.etag);
  reply.header('vary', 'accept-encoding');
  reply.type(file.type);
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  const accepts = String(request.headers['accept-encoding'] ?? '');
  if (file.gzip && /\bgzip\b/.test(accepts)) {
    reply.header('content-encoding', 'gzip');
    return reply.send(file.gzip);
  }
  return reply.send(file.body);
}

async function serveIndex(files: DashboardFiles, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const index = await files.get('index.html');
  if (!index) throw apiError('unavailable', 'The dashboard is not built: run `npm run build:ui`.');
  return send(request, reply, index, false);
}

/** `GET /_` and `GET /_/` (the router treats a trailing slash as the same path): the SPA. */
export function dashboardIndexRoute(files: DashboardFiles): RouteOptions {
  return {
    method: ['GET', 'HEAD'],
    url: '/_',
    handler: function dashboardIndex(request, reply) {
      return serveIndex(files, request, reply);
    },
  };
}

/** `GET /_/*`: a built file, or index.html for any other path (the SPA's fallback). */
export function dashboardFilesRoute(files: DashboardFiles): RouteOptions {
  return {
    method: ['GET', 'HEAD'],
    url: '/_/*',
    handler: async function dashboardFile(request, reply) {
      const path = (request.params as { '*'?: string })['*'] ?? '';
      if (path === '' || path === 'index.html') return serveIndex(files, request, reply);
      const file = await files.get(path);
      if (file) return send(request, reply, file, path.startsWith('assets/'));
      // A hashed asset that is gone (an old tab after a deploy) must not turn into HTML.
      if (path.startsWith('assets/') || extname(path) !== '') throw apiError('not_found');
      return serveIndex(files, request, reply);
    },
  };
}

/** Both dashboard routes over one in-memory file cache. */
export function dashboardRoutes(_app: App, files: DashboardFiles = new DashboardFiles()): RouteOptions[] {
  return [dashboardIndexRoute(files), dashboardFilesRoute(files)];
}
