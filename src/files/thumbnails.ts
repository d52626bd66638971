/**
 * Thumbnails of record images, made once and kept in the FileStore beside the original as
 * `<collectionId>/<recordId>/thumbs_<name>/<size>_<name>` (PocketBase's layout, so a record's folder
 * holds everything that goes when it goes). Concurrent requests for the same missing thumbnail share
 * one generation (single flight per key on this node; two nodes racing write the same bytes).
 * Sources past the pixel limit, and files sharp cannot read, get no thumbnail: callers serve the original.
 */
import type { FileStore } from './file-store.js';
import { recordFileKey, thumbsPrefix } from './file-name.js';
import { loadSharp, MAX_IMAGE_PIXELS } from './image-probe.js';
import { isThumbableName, parseThumbSize } from './thumb-size.js';
import type { ThumbSize } from './thumb-size.js';

export interface ThumbnailsOptions {
  maxPixels?: number;
  /** Where generation failures go (they never fail a request: the original is served). */
  onError?: (err: unknown, key: string) => void;
}

export class Thumbnails {
  readonly #store: () => FileStore;
  readonly #maxPixels: number;
  readonly #onError: (err: unknown, key: string) => void;
  readonly #inflight = new Map<string, Promise<string | undefined>>();

  /** `store` is read on each call, so a store swapped at runtime (settings) is followed. */
  constructor(store: () => FileStore, options: ThumbnailsOptions = {}) {
    this.#store = store;
    this.#maxPixels = options.maxPixels ?? MAX_IMAGE_PIXELS;
    this.#onError = options.onError ?? (() => {});
  }

  /** The key of a thumbnail of `size` for a record file, generating it if needed; undefined = serve the original. */
  async ensure(collectionId: string, recordId: string, name: string, size: string): Promise<string | undefined> {
    const spec = parseThumbSize(size);
    if (!spec || !isThumbableName(name)) return undefined;
    const key = thumbKey(collectionId, recordId, name, size);
    if (await this.#store().exists(key)) return key;
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#generate(recordFileKey(collectionId, recordId, name), key, spec).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  async #generate(sourceKey: string, key: string, spec: ThumbSize): Promise<string | undefined> {
    const store = this.#store();
    try {
      const sharp = await loadSharp();
      const source = await store.get(sourceKey);
      const pipeline = sharp({ limitInputPixels: this.#maxPixels, failOn: 'none', animated: false }).rotate();
      if (spec.width === 0 || spec.height === 0) {
        pipeline.resize(spec.width || null, spec.height || null);
      } else if (spec.mode === 'fit') {
        pipeline.resize(spec.width, spec.height, { fit: 'inside', withoutEnlargement: true });
      } else {
        pipeline.resize(spec.width, spec.height, { fit: 'cover', position: spec.mode === 'center' ? 'centre' : spec.mode });
      }
      source.on('error', (err) => pipeline.destroy(err));
      source.pipe(pipeline);
      const data = await pipeline.toBuffer();
      await store.put(key, data);
      return key;
    } catch (err) {
      this.#onError(err, key);
      return undefined;
    }
  }
}

export function thumbKey(collectionId: string, recordId: string, name: string, size: string): string {
  return `${thumbsPrefix(collectionId, recordId, name)}${size}_${name}`;
}
