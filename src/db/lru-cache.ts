/**
 * A bounded cache that evicts approximately the least recently used entry (prepared statements,
 * rewritten SQL). It is the "second chance" (CLOCK) scheme: a hit only sets a flag, so the hot path
 * never mutates the Map; eviction walks from the oldest entry, giving each flagged entry one more
 * round at the back of the queue and evicting the first unflagged one.
 */
interface Entry<V> {
  value: V;
  hit: boolean;
}

export class LruCache<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, Entry<V>>();
  readonly #onEvict: ((value: V, key: K) => void) | undefined;

  constructor(max: number, onEvict?: (value: V, key: K) => void) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`LruCache size must be a positive integer, got ${max}`);
    this.#max = max;
    this.#onEvict = onEvict;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    entry.hit = true;
    return entry.value;
  }

  set(key: K, value: V): void {
    const existing = this.#map.get(key);
    if (existing !== undefined) {
      existing.value = value;
      existing.hit = true;
      return;
    }
    // Evict before inserting: the newcomer is never the victim of its own insertion.
    if (this.#map.size >= this.#max) this.#evictOne();
    this.#map.set(key, { value, hit: false });
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }

  #evictOne(): void {
    // Terminates: every pass clears the flag it skips, so within one lap an unflagged entry is found.
    for (const [key, entry] of this.#map) {
      this.#map.delete(key);
      if (entry.hit) {
        entry.hit = false;
        this.#map.set(key, entry);
      } else {
        this.#onEvict?.(entry.value, key);
        return;
      }
    }
  }
}
