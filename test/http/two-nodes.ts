/**
 * Two in-process App nodes on one fresh PostgreSQL database, for cross-node scenarios. Each node's
 * open options come from `node()` (a shared in-memory bus, or Redis); `sharedBus()` makes the former.
 */
import type { AppOpenOptions } from '../../src/app/app.js';
import { MemoryBus } from '../../src/realtime/memory/memory-bus.js';
import { MemoryPubSub } from '../../src/realtime/memory/memory-pubsub.js';
import { createTestPostgres } from '../../src/testing/services.js';
import { createTestApp } from './test-app.js';
import type { CreateTestAppOptions, TestApp } from './test-app.js';

export interface TwoNodes {
  a: TestApp;
  b: TestApp;
  /** Closes both nodes and drops the database. */
  cleanup(): Promise<void>;
}

/** `node()` for two nodes on one in-memory bus, with `extra` open options on each. */
export function sharedBus(extra: Omit<AppOpenOptions, 'pubsub'> = {}): () => AppOpenOptions {
  const bus = new MemoryBus();
  return () => ({ ...extra, pubsub: new MemoryPubSub({ bus, keyPrefix: 'galley' }) });
}

export async function createTwoNodes(
  label: string,
  node: () => AppOpenOptions | Promise<AppOpenOptions>,
  config: CreateTestAppOptions['config'] = {},
): Promise<TwoNodes> {
  const pg = await createTestPostgres(label);
  const a = await createTestApp('postgres', { databaseUrl: pg.url, open: await node(), config });
  const b = await createTestApp('postgres', { databaseUrl: pg.url, open: await node(), config });
  // B's setup reset the shared superuser's password (and tokenKey): A uses B's token.
  a.token = b.token;
  return {
    a,
    b,
    async cleanup() {
      await a.cleanup();
      await b.cleanup();
      await pg.drop();
    },
  };
}
