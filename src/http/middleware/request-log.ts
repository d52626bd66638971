/**
 * One log per request, PocketBase's shape, handed to the App's buffered log writer after the
 * response is sent (so logging never delays a response). `logs.maxDays = 0` turns request logs off;
 * `logs.minLevel` drops lower levels; `logs.logIP` and `logs.logAuthId` decide what is recorded.
 *
 * Levels: 0 (info) below 400, 4 (warn) for 4xx, 8 (error) for 5xx.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { logDate, newLogId } from '../../logs/log-store.js';
import type { LogWriter } from '../../logs/log-writer.js';
import type { Settings } from '../../settings/settings-schema.js';
import { realIp, remoteIp } from './client-ip.js';

export interface RequestLogDeps {
  settings: { get(): Readonly<Settings> };
  logWriter: LogWriter;
}

export function levelForStatus(status: number): number {
  if (status >= 500) return 8;
  if (status >= 400) return 4;
  return 0;
}

export function requestLogHook(deps: RequestLogDeps) {
  return async function logRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const settings = deps.settings.get();
    const { logs } = settings;
    if (logs.maxDays <= 0) return;
    const status = reply.statusCode;
    const level = levelForStatus(status);
    if (level < logs.minLevel) return;
    const data: Record<string, unknown> = {
      type: 'request',
      execTime: Math.round(reply.elapsedTime * 1000) / 1000,
      method: request.method,
      url: request.url,
      status,
      auth: request.auth?.collection.name ?? 'guest',
      userIP: '',
      remoteIP: '',
      referer: request.headers.referer ?? '',
      userAgent: request.headers['user-agent'] ?? '',
    };
    if (logs.logAuthId && request.auth) data.authId = request.auth.record.id;
    if (logs.logIP) {
      data.userIP = realIp(request.raw, settings.trustedProxy);
      data.remoteIP = remoteIp(request.raw);
    }
    const error = request.apiError;
    if (error && status >= 400) {
      // Superusers reading logs need the real cause of a 500 (the client only got the generic message).
      const cause = error.cause;
      data.error = status >= 500 && cause instanceof Error ? cause.message : error.message;
      if (Object.keys(error.data).length > 0) data.details = error.data;
    }
    const now = logDate();
    deps.logWriter.write({
      id: newLogId(),
      created: now,
      updated: now,
      level,
      message: `${request.method} ${request.url}`,
      data,
    });
  };
}
