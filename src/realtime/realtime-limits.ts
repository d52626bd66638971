/**
 * The limits of the realtime transports, with their defaults (documented in docs/realtime.md).
 * Operators set most of them in the settings (`realtime`, every node, at runtime); code embedding
 * Galley (and tests) may override any of them per node with `App.open(config, { realtime: {...} })`.
 */
import type { Settings } from '../settings/settings-schema.js';

export interface RealtimeLimits {
  /** Topics one client may hold (PocketBase: 1000). */
  maxSubscriptionsPerClient: number;
  /** Longest accepted subscription string, options included (PocketBase: 2500). */
  maxTopicLength: number;
  /** Open SSE + WebSocket connections per client IP on one node; more are refused with 429. */
  maxConnectionsPerIp: number;
  /**
   * Bytes the transport may hold for one client that does not read (Node's socket buffer); past it
   * the client is dropped (it reconnects and re-subscribes, as PocketBase's SDK does).
   */
  maxQueuedBytes: number;
  /** A client that received no event for this long is disconnected (PocketBase: 5 min). 0 = never. */
  idleTimeoutMs: number;
  /** Any connection is closed after this long (the SDK reconnects). 0 = never. */
  maxLifetimeMs: number;
  /** A keep-alive (SSE comment, WebSocket ping) after this long without a frame, for proxies' read timeouts. 0 = never. */
  keepAliveMs: number;
  /** How long `POST /api/realtime` waits for the node holding the stream before answering 404. */
  forwardTimeoutMs: number;
}

export const DEFAULT_REALTIME_LIMITS: Readonly<RealtimeLimits> = Object.freeze({
  maxSubscriptionsPerClient: 1000,
  maxTopicLength: 2500,
  maxConnectionsPerIp: 1000,
  maxQueuedBytes: 4 * 1024 * 1024,
  idleTimeoutMs: 5 * 60_000,
  maxLifetimeMs: 30 * 60_000,
  keepAliveMs: 25_000,
  forwardTimeoutMs: 2_000,
});

/** The limits the settings hold (times there are in seconds). */
export function limitsFromSettings(s: Settings['realtime']): Partial<RealtimeLimits> {
  return {
    maxConnectionsPerIp: s.maxConnectionsPerIp,
    maxSubscriptionsPerClient: s.maxSubscriptionsPerClient,
    maxQueuedBytes: s.maxQueuedBytes,
    idleTimeoutMs: s.idleTimeout * 1000,
    maxLifetimeMs: s.maxLifetime * 1000,
  };
}

export function resolveRealtimeLimits(...layers: Array<Partial<RealtimeLimits> | undefined>): Readonly<RealtimeLimits> {
  const out = { ...DEFAULT_REALTIME_LIMITS };
  for (const [key, value] of layers.flatMap((l) => Object.entries(l ?? {})) as Array<[keyof RealtimeLimits, number | undefined]>) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`realtime limit ${key} must be a number >= 0`);
    out[key] = value;
  }
  return Object.freeze(out);
}
