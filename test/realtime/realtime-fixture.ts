/**
 * Helpers for realtime scenarios: SDK clients with the `eventsource` polyfill, a collection with
 * an owner rule, users, and an inbox that waits for events without fixed sleeps.
 */
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import type { ClientOptions } from 'ws';
import type { TestApp } from '../http/test-app.js';

// The SDK uses the global EventSource (browsers have one; Node needs the polyfill).
(globalThis as unknown as { EventSource: unknown }).EventSource ??= EventSource;

/** An SDK client for `url`, holding `token` when given. */
export { client as sdk } from '../sdk/sdk-client.js';

/** Collects what a subscription receives; `waitFor` resolves once a predicate holds (the test timeout bounds it). */
export class Inbox<T = { action: string; record: Record<string, unknown> }> {
  readonly items: T[] = [];
  #waiters: Array<{ check: () => boolean; resolve: () => void }> = [];

  readonly push = (item: T): void => {
    this.items.push(item);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  };

  waitFor(check: (items: T[]) => boolean): Promise<void> {
    if (check(this.items)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ check: () => check(this.items), resolve }));
  }

  waitForCount(n: number): Promise<void> {
    return this.waitFor((items) => items.length >= n);
  }
}

export const OWNER_RULE = 'published = true || (@request.auth.id != "" && owner = @request.auth.id)';

/** `posts` (owner rule on list and view, anyone may write) and two users; returns their tokens. */
export async function seedPosts(t: TestApp, rule = OWNER_RULE): Promise<{ alice: { id: string; token: string }; bob: { id: string; token: string } }> {
  const created = await t.call('POST', '/api/collections', {
    body: {
      name: 'posts',
      type: 'base',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'published', type: 'bool' },
        { name: 'secret', type: 'text', hidden: true },
        { name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 },
      ],
      listRule: rule,
      viewRule: rule,
      createRule: '',
      updateRule: '',
      deleteRule: '',
    },
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const user = async (email: string): Promise<{ id: string; token: string }> => {
    const r = await t.call('POST', '/api/collections/users/records', { body: { email, password: 'password123', passwordConfirm: 'password123' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const login = await t.call('POST', '/api/collections/users/auth-with-password', { body: { identity: email, password: 'password123' }, token: null });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    return { id: r.body.id, token: login.body.token };
  };
  return { alice: await user('alice@example.com'), bob: await user('bob@example.com') };
}

/** A message of the realtime WebSocket protocol (docs/realtime.md). */
export type WsMessage = Record<string, any>;

export interface RealtimeSocket {
  ws: WebSocket;
  inbox: Inbox<WsMessage>;
  send(m: unknown): void;
  /** The answer carrying `id`. */
  reply(id: string): Promise<WsMessage>;
  /** Resolves with the close code once the socket is closed. */
  closed: Promise<number>;
}

/** A real WebSocket to `/api/realtime/ws` (`query`: e.g. `token=...`), open once this resolves. */
export async function openRealtimeSocket(url: string, options: { query?: string; headers?: Record<string, string> } = {}): Promise<RealtimeSocket> {
  const clientOptions: ClientOptions = options.headers === undefined ? {} : { headers: options.headers };
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/realtime/ws${options.query === undefined ? '' : `?${options.query}`}`, clientOptions);
  const inbox = new Inbox<WsMessage>();
  ws.on('message', (data) => inbox.push(JSON.parse(String(data)) as WsMessage));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    inbox,
    closed,
    send: (m) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)),
    async reply(id) {
      await inbox.waitFor((items) => items.some((m) => m.id === id));
      return inbox.items.find((m) => m.id === id) as WsMessage;
    },
  };
}

export const wsEvents = (inbox: Inbox<WsMessage>): WsMessage[] => inbox.items.filter((m) => m.type === 'event');
