/**
 * One log per request, PocketBase's shape, handed to the App's buffered log writer after the
 * response is sent (so logging never delays a response), as a few captured values the writer turns
 * into the row when it flushes. `logs.maxDays = 0` turns request logs off;
 * `logs.minLevel` drops lower levels; `logs.logIP` and `logs.logAuthId` decide what is recorded.
 *
 * Levels: 0 (info) below 400, 4 (warn) for 4xx, 8 (error) for 5xx.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { logDateOf, newLogId } from '../../logs/log-store.js';
import type { DeferredLogEntry, LogRow } from '../../logs/log-store.js';
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
  // Callback-style: an async onResponse hook would cost a promise per response.
  return function logRequest(request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void {
    try {
      record(deps, request, reply);
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    done();
  };
}

function record(deps: RequestLogDeps, request: FastifyRequest, reply: FastifyReply): void {
  const settings = deps.settings.get();
  const { logs } = settings;
  if (logs.maxDays <= 0) return;
  const status = reply.statusCode;
  const level = levelForStatus(status);
  if (level < logs.minLevel) return;
  const error = request.apiError;
  let errorMessage: string | undefined;
  let details: Record<string, unknown> | undefined;
  if (error && status >= 400) {
    // Superusers reading logs need the real cause of a 500 (the client only got the generic message).
    const cause = error.cause;
    errorMessage = status >= 500 && cause instanceof Error ? cause.message : error.message;
    if (Object.keys(error.data).length > 0) details = error.data;
  }
  const auth = request.auth;
  let userIP = '';
  let remoteIP = '';
  if (logs.logIP) {
    remoteIP = remoteIp(request.raw);
    // realIp falls back to the socket address: without trusted headers that is remoteIP itself.
    userIP = settings.trustedProxy.headers.length > 0 ? realIp(request.raw, settings.trustedProxy) : remoteIP;
  }
  deps.logWriter.write(
    new RequestLog(
      Date.now(),
      level,
      Math.round(reply.elapsedTime * 1000) / 1000,
      request.method,
      request.url,
      status,
      auth?.collection.name ?? 'guest',
      logs.logAuthId && auth ? auth.record.id : undefined,
      userIP,
      remoteIP,
      request.headers.referer ?? '',
      request.headers['user-agent'] ?? '',
      errorMessage,
      details,
    ),
  );
}

/**
 * The JSON text of a string field that mostly repeats from one log to the next (the method, the
 * auth collection, a client's address and user agent): a repeat costs a string comparison instead
 * of a JSON.stringify call.
 */
class LastQuoted {
  #value = '';
  #text = '""';

  of(value: string): string {
    if (value !== this.#value) {
      this.#value = value;
      this.#text = JSON.stringify(value);
    }
    return this.#text;
  }
}

const quotedMethod = new LastQuoted();
const quotedAuth = new LastQuoted();
const quotedUserIp = new LastQuoted();
const quotedRemoteIp = new LastQuoted();
const quotedReferer = new LastQuoted();
const quotedUserAgent = new LastQuoted();

/**
 * What a request leaves behind: plain values captured when the response is sent; the id, the
 * dates and the `data` JSON are built by the log writer's flush (about a quarter of a get-by-id
 * was spent building log rows on the request path).
 */
class RequestLog implements DeferredLogEntry {
  constructor(
    readonly time: number,
    readonly level: number,
    readonly execTime: number,
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly auth: string,
    readonly authId: string | undefined,
    readonly userIP: string,
    readonly remoteIP: string,
    readonly referer: string,
    readonly userAgent: string,
    readonly error: string | undefined,
    readonly details: Record<string, unknown> | undefined,
  ) {}

  toRow(): LogRow {
    // The JSON text JSON.stringify gives for PocketBase's data object, key order included (it is
    // what the logs API returns), written directly: no object per log to build and walk.
    const execTime = Number.isFinite(this.execTime) ? String(this.execTime) : 'null';
    let data =
      `{"type":"request","execTime":${execTime},"method":${quotedMethod.of(this.method)}` +
      `,"url":${JSON.stringify(this.url)},"status":${this.status},"auth":${quotedAuth.of(this.auth)}` +
      `,"userIP":${quotedUserIp.of(this.userIP)},"remoteIP":${quotedRemoteIp.of(this.remoteIP)}` +
      `,"referer":${quotedReferer.of(this.referer)},"userAgent":${quotedUserAgent.of(this.userAgent)}`;
    if (this.authId !== undefined) data += `,"authId":${JSON.stringify(this.authId)}`;
    if (this.error !== undefined) data += `,"error":${JSON.stringify(this.error)}`;
    if (this.details !== undefined) data += `,"details":${JSON.stringify(this.details)}`;
    const now = logDateOf(this.time);
    return { id: newLogId(), created: now, updated: now, level: this.level, message: `${this.method} ${this.url}`, data: `${data}}` };
  }
}
