/**
 * Everything realtime on the HTTP server: the SSE stream and its subscription endpoint
 * (`/api/realtime`, PocketBase's), and the WebSocket protocol (`/api/realtime/ws`).
 */
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app/app.js';
import { realtimeConnectRoute } from './realtime-connect.js';
import { realtimeSubscribeRoute } from './realtime-subscribe.js';
import { registerRealtimeWebSocket } from './realtime-ws.js';

export function registerRealtime(app: App, fastify: FastifyInstance): void {
  fastify.route(realtimeConnectRoute(app));
  fastify.route(realtimeSubscribeRoute(app));
  registerRealtimeWebSocket(app, fastify);
}
