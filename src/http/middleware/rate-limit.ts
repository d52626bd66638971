/**
 * The general route rate limits of `settings.rateLimits` (off by default, as in PocketBase): an
 * onRequest hook after authentication. The matching rule (rate-limit-labels.ts) allows
 * `maxRequests` per `duration` seconds per client IP, in fixed windows counted in the app's
 * CounterStore — memory on one node, Redis with `--redis`, so the limit holds across nodes.
 * Superusers are never limited. Over the limit: 429 with `Retry-After`.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { App } from '../../app/app.js';
import { tooManyAttempts } from '../../auth/limits/brute-force.js';
import { isSuperuser } from '../../auth/authenticate.js';
import { realIp } from './client-ip.js';
import { collectionRouteTags, findRateLimitRule, requestLabels } from './rate-limit-labels.js';

export function rateLimitHook(app: App) {
  // Callback-style: limits are off by default, and an async hook would cost a promise on every
  // request just to find that out.
  return function rateLimit(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const { enabled, rules } = app.settings.get().rateLimits;
    if (!enabled || rules.length === 0 || isSuperuser(request.auth)) {
      done();
      return;
    }
    limit(app, request).then(() => done(), done);
  };
}

async function limit(app: App, request: FastifyRequest): Promise<void> {
  const settings = app.settings.get();
  const { rules } = settings.rateLimits;
  const routeUrl = request.routeOptions.url;
  const tags = collectionRouteTags(request.method, routeUrl);
  const param = (request.params as { collection?: unknown } | undefined)?.collection;
  const collection = tags.length > 0 && typeof param === 'string' ? app.collections.find(param) : undefined;
  const path = request.url.split('?', 1)[0] ?? request.url;
  const labels = requestLabels(request.method, path, collection?.name, collection ? tags : []);
  const rule = findRateLimitRule(rules, labels, request.auth !== null);
  if (!rule) return;
  // As PocketBase: collection routes count per (collection, route) even under a shared rule.
  const scope = collection ? `${collection.id}:${request.method} ${routeUrl}` : rule.label;
  const ip = realIp(request.raw, settings.trustedProxy);
  const hit = await app.auth.counters.increment(`rl:${scope}:${rule.audience}:${ip}`, rule.duration * 1000);
  if (hit.count > rule.maxRequests) throw tooManyAttempts(hit.resetMs, 'Too Many Requests.');
}
