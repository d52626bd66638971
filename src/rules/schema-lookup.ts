import type { Collection } from '../core/schema.js';

/** The collections a rule may reach (`@collection.x`, relation targets); given by the caller. */
export interface SchemaLookup {
  /** By id, or by name (case-insensitive, as PocketBase matches collection names). */
  find(nameOrId: string): Collection | undefined;
  /** Bumped on every schema change; part of the compiled-rule cache key. */
  readonly version: number;
}
