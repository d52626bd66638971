/**
 * A bounded cache of compiled rules keyed by (schema version, collection id, options, expression),
 * least recently used out first. A schema change bumps the version, so stale entries are never
 * hit and age out; `clear()` is for the cross-node "schema changed" message.
 */
export class RuleCache<T = unknown> {
  readonly #max: number;
  readonly #map = new Map<string, T>();

  constructor(maxEntries = 2000) {
    this.#max = Math.max(1, maxEntries);
  }

  static key(parts: ReadonlyArray<string | number | boolean>): string {
    return parts.map(String).join('\u0000');
  }

  get(key: string): T | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  set(key: string, value: T): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
  }

  getOrCreate(key: string, create: () => T): T {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const v = create();
    this.set(key, v);
    return v;
  }

  clear(): void {
    this.#map.clear();
  }

  get size(): number {
    return this.#map.size;
  }
}
