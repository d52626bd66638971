/**
 * `GET|POST /api/oauth2-redirect`: the all-in-one OAuth2 flow's callback (PocketBase's). The SDK
 * subscribed to `@oauth2` over realtime and opened the provider with `state` = its realtime client
 * id; the provider sends the browser here with `state` and `code` (query, or a `form_post` body).
 * The code goes to that one client, on whichever node holds its stream
 * (`app.realtime.clients.sendToClient`), and the SDK then calls auth-with-oauth2 itself. The
 * browser gets a small page saying whether it worked.
 */
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';

const page = (title: string, text: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;

export function oauth2RedirectRoute(app: App): RouteOptions {
  const handler = async function oauth2RedirectHandler(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const source = (request.method === 'POST' ? request.body : request.query) as Record<string, unknown> | undefined;
    const pick = (key: string): string => {
      const v = source?.[key];
      return typeof v === 'string' ? v.slice(0, 4096) : '';
    };
    const state = pick('state');
    const code = pick('code');
    const error = pick('error');
    let delivered = false;
    if (state !== '' && state.length <= 255) {
      const data: Record<string, string> = { state, code };
      if (error !== '') data.error = error;
      delivered = await app.realtime.clients.sendToClient(state, '@oauth2', data);
    }
    const ok = delivered && error === '' && code !== '';
    reply
      .code(ok ? 200 : 400)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', "default-src 'none'");
    return page(
      ok ? 'Login complete' : 'Login failed',
      ok ? 'You can close this window and go back to the app.' : 'The login could not be completed. Close this window and try again.',
    );
  };
  return { method: ['GET', 'POST'], url: '/api/oauth2-redirect', handler };
}
