/**
 * `app.realtime`: the broker (record and custom events, rule-checked fan-out) plus the node's
 * connection registry (`clients`), started and stopped together by the App.
 */
import type { AuthState } from '../auth/auth-record.js';
import { findAuthRecord } from '../auth/auth-record.js';
import type { Collection } from '../core/schema.js';
import type { RecordJson } from '../records/record-codec.js';
import type { RecordChangeAction } from '../records/record-service.js';
import { RealtimeBroker } from './realtime-broker.js';
import type { RealtimeBrokerDeps } from './realtime-broker.js';
import { RealtimeClients } from './realtime-clients.js';
import type { Settings } from '../settings/settings-schema.js';
import { limitsFromSettings, resolveRealtimeLimits } from './realtime-limits.js';
import type { RealtimeLimits } from './realtime-limits.js';

export interface RealtimeDeps extends RealtimeBrokerDeps {
  nodeId: string;
  /** The `realtime` settings (read on use, so a PATCH applies at once on every node). */
  settings?: () => Settings['realtime'];
  /** Per-node overrides of any limit, above the settings. */
  limits?: Partial<RealtimeLimits> | undefined;
}

export class Realtime extends RealtimeBroker {
  readonly clients: RealtimeClients;
  readonly #settings: (() => Settings['realtime']) | undefined;
  readonly #overrides: Partial<RealtimeLimits> | undefined;
  #limitsFor: Settings['realtime'] | undefined;
  #limits: Readonly<RealtimeLimits>;

  constructor(deps: RealtimeDeps) {
    super(deps);
    this.#settings = deps.settings;
    this.#overrides = deps.limits;
    this.#limits = resolveRealtimeLimits(deps.limits);
    this.clients = new RealtimeClients({
      pubsub: deps.pubsub,
      nodeId: deps.nodeId,
      broker: this,
      limits: () => this.limits,
      ...(deps.onError ? { onError: deps.onError } : {}),
      loadAuth: async (collectionId, recordId): Promise<AuthState | undefined> => {
        const collection = deps.collections.find(collectionId);
        if (collection === undefined || collection.type !== 'auth') return undefined;
        const record = await findAuthRecord(deps.db, collection, 'id', recordId);
        return record === undefined ? undefined : { collection, record };
      },
    });
  }

  /** The limits in force: defaults, then the settings, then this node's overrides. */
  get limits(): Readonly<RealtimeLimits> {
    const current = this.#settings?.();
    if (current !== undefined && current !== this.#limitsFor) {
      this.#limitsFor = current;
      this.#limits = resolveRealtimeLimits(limitsFromSettings(current), this.#overrides);
    }
    return this.#limits;
  }

  protected override authRecordChanged(action: RecordChangeAction, collection: Collection, record: RecordJson): void {
    this.clients.authRecordChanged(action, collection, record);
  }

  override async start(): Promise<void> {
    await super.start();
    await this.clients.start();
  }

  /** Closes this node's connections, then stops the broker. */
  override async stop(): Promise<void> {
    await this.clients.stop();
    await super.stop();
  }
}
