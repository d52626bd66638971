/** `GET /api/health`: liveness for load balancers; superusers also see what the dashboard needs. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { isSuperuser } from '../../auth/authenticate.js';
import { realIp } from '../middleware/client-ip.js';

const PROXY_HEADERS = ['cf-connecting-ip', 'fly-client-ip', 'x-real-ip', 'x-forwarded-for'];

export function healthRoute(app: App): RouteOptions {
  return {
    method: ['GET', 'HEAD'],
    url: '/api/health',
    handler: async function health(request) {
      const data: Record<string, unknown> = {};
      if (isSuperuser(request.auth)) {
        const settings = app.settings.get();
        data.canBackup = false;
        data.realIP = realIp(request.raw, settings.trustedProxy);
        // Hints the dashboard that a proxy is in front but its header is not trusted yet.
        data.possibleProxyHeader =
          settings.trustedProxy.headers.length === 0 ? (PROXY_HEADERS.find((h) => request.headers[h] !== undefined) ?? '') : '';
      }
      return { code: 200, message: 'API is healthy.', data };
    },
  };
}
