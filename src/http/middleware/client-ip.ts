/**
 * The real client IP, PocketBase's rules: proxy headers are believed only when the operator listed
 * them in `settings.trustedProxy.headers` (a client can send any header it likes). For each listed
 * header, in order, the last occurrence is used (the one the nearest proxy wrote); within a comma
 * list the rightmost valid IP is taken unless `useLeftmostIP`. Without a usable header, the socket
 * address.
 */
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

export interface TrustedProxy {
  readonly headers: readonly string[];
  readonly useLeftmostIP: boolean;
}

export function remoteIp(raw: IncomingMessage): string {
  return normaliseIp(raw.socket.remoteAddress ?? '');
}

export function realIp(raw: IncomingMessage, proxy: TrustedProxy): string {
  for (const name of proxy.headers) {
    const values = raw.headersDistinct[name.toLowerCase()];
    const last = values?.[values.length - 1];
    if (!last) continue;
    const ips = last.split(',');
    if (!proxy.useLeftmostIP) ips.reverse();
    for (const candidate of ips) {
      const ip = normaliseIp(candidate.trim());
      if (isIP(ip) !== 0) return ip;
    }
  }
  return remoteIp(raw);
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) is shown as `1.2.3.4`. */
function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}
