/**
 * The runtime settings: one JSON document in `_params` (key `settings`), cached in memory and
 * deep-frozen, so reading them on every request costs nothing. Another node's change arrives as an
 * invalidation message (see `app/invalidation.ts`) and `reload()` re-reads the row.
 *
 * Secrets (`smtp.password`, `s3.secret`) never leave through `toPublic()`, and are encrypted at rest
 * with AES-256-GCM when the app has an encryption key.
 */
import type { Database, Queryable } from '../db/database.js';
import { SecretBox, isEncrypted } from './secret-box.js';
import { defaultSettings, mergeSettings, secretPaths, validateSettings } from './settings-schema.js';
import type { Settings } from './settings-schema.js';

const PARAMS_KEY = 'settings';

export type SettingsListener = (settings: Readonly<Settings>) => void | Promise<void>;

export interface SettingsServiceOptions {
  db: Database;
  /** When set, secrets are encrypted before they are written. */
  encryptionKey?: string | undefined;
}

export class SettingsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SettingsError';
  }
}

export class SettingsService {
  readonly #db: Database;
  readonly #box: SecretBox | undefined;
  #current: Readonly<Settings> = deepFreeze(defaultSettings());
  #listeners = new Set<SettingsListener>();

  constructor(options: SettingsServiceOptions) {
    this.#db = options.db;
    this.#box = options.encryptionKey ? new SecretBox(options.encryptionKey) : undefined;
  }

  /** The current settings, secrets included: for server-side use only. */
  get(): Readonly<Settings> {
    return this.#current;
  }

  /** What the API returns: secrets replaced by `""`, as PocketBase does. */
  toPublic(): Settings {
    const copy = structuredClone(this.#current) as Settings;
    for (const [group, key] of secretPaths) (copy[group] as Record<string, unknown>)[key] = '';
    return copy;
  }

  /** Reads the stored settings (defaults fill keys added since they were written). */
  async load(): Promise<void> {
    const stored = await this.#read(this.#db);
    this.#current = deepFreeze(stored);
  }

  /** Re-reads after another node changed the settings; listeners are not called. */
  reload(): Promise<void> {
    return this.load();
  }

  /**
   * Applies a PATCH body: merged over the stored settings, validated as a whole, written in one
   * transaction (the stored row is locked on PostgreSQL so two nodes cannot lose each other's
   * change). A secret that is omitted or `""` keeps its stored value; `null` clears it.
   */
  async update(patch: unknown): Promise<Readonly<Settings>> {
    const next = await this.#db.transaction(async (tx) => {
      const current = await this.#read(tx, true);
      const body = preserveSecrets(patch);
      const merged = validateSettings(mergeSettings(current, body));
      await this.#write(tx, merged);
      return merged;
    });
    this.#current = deepFreeze(next);
    // Awaited: other nodes must be told before the change is acknowledged (see app/invalidation.ts).
    for (const listener of this.#listeners) {
      try {
        await listener(this.#current);
      } catch {
        // a listener failing (e.g. pub/sub down) must not fail a committed change
      }
    }
    return this.#current;
  }

  /** Called after a change made through this service (not after `reload`). */
  onChange(listener: SettingsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #read(q: Queryable, forUpdate = false): Promise<Settings> {
    const lock = forUpdate && q.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const row = await q.get<{ value: unknown }>(`SELECT "value" FROM "_params" WHERE "key" = ?${lock}`, [PARAMS_KEY]);
    if (!row) return defaultSettings();
    let stored: unknown;
    try {
      stored = typeof row.value === 'string' ? JSON.parse(row.value) : row.value;
    } catch (err) {
      throw new SettingsError('the stored settings are not valid JSON', { cause: err });
    }
    const settings = mergeSettings(defaultSettings(), stored);
    for (const [group, key] of secretPaths) {
      const section = settings[group] as Record<string, unknown>;
      const value = section[key];
      if (typeof value !== 'string' || !isEncrypted(value)) continue;
      if (!this.#box) {
        throw new SettingsError(`settings secret ${group}.${key} is encrypted but no encryption key is configured (GALLEY_ENCRYPTION_KEY)`);
      }
      try {
        section[key] = this.#box.decrypt(value);
      } catch (err) {
        throw new SettingsError(`settings secret ${group}.${key} cannot be decrypted with the configured encryption key`, { cause: err });
      }
    }
    return settings;
  }

  async #write(q: Queryable, settings: Settings): Promise<void> {
    const stored = structuredClone(settings);
    if (this.#box) {
      for (const [group, key] of secretPaths) {
        const section = stored[group] as Record<string, unknown>;
        const value = section[key];
        if (typeof value === 'string' && value !== '') section[key] = this.#box.encrypt(value);
      }
    }
    await q.run(
      `INSERT INTO "_params" ("key", "value", "updated") VALUES (?, ?, ?)
       ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "updated" = excluded."updated"`,
      [PARAMS_KEY, JSON.stringify(stored), new Date().toISOString().replace('T', ' ')],
    );
  }
}

/** Drops omitted/empty secrets from a patch (so the stored ones stay) and turns `null` into a clear. */
function preserveSecrets(patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = { ...(patch as Record<string, unknown>) };
  for (const [group, key] of secretPaths) {
    const section = out[group];
    if (typeof section !== 'object' || section === null || Array.isArray(section)) continue;
    const copy: Record<string, unknown> = { ...(section as Record<string, unknown>) };
    if (copy[key] === '' || copy[key] === undefined) delete copy[key];
    else if (copy[key] === null) copy[key] = '';
    out[group] = copy;
  }
  return out;
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
