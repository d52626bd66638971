/**
 * The `files.thumbnail` job: after a write that stored new images commits, their thumbnails (the
 * default `100x100` and every size the field lists in `thumbs`) are made in the background, so the
 * first `?thumb=` request finds them ready. The job is enqueued inside the write's transaction (it
 * exists exactly when the record does); a thumbnail still missing when asked for (job not run yet,
 * or failed) is made on that request instead. Types are structural so `files/` stays free of
 * `jobs/` and `records/`.
 */
import type { FileStore } from './file-store.js';
import { recordFileKey, thumbsPrefix } from './file-name.js';
import { DEFAULT_THUMB, isThumbableName } from './thumb-size.js';
import { Thumbnails } from './thumbnails.js';

export const THUMBNAIL_JOB_KIND = 'files.thumbnail';

export interface ThumbnailJobPayload {
  collectionId: string;
  recordId: string;
  files: Array<{ field: string; name: string }>;
}

interface FieldLike { type: string; name: string; thumbs?: string[] | null }
interface CollectionLike { id: string; fields: readonly FieldLike[] }

export interface ThumbnailJobDeps {
  files: FileStore;
  logger: { warn(obj: object, msg: string): void };
  collections: { find(nameOrId: string): CollectionLike | undefined };
  records: {
    onFilesStored(listener: (e: { collection: CollectionLike; recordId: string; files: Array<{ field: string; name: string }> }) => void | Promise<void>): () => void;
  };
  jobs: {
    define<P>(kind: string, handler: (ctx: { payload: P; signal: AbortSignal }) => Promise<unknown>, options?: { queue?: string; concurrency?: number; maxAttempts?: number; timeoutMs?: number }): void;
    enqueue<P>(kind: string, payload: P, options?: { queue?: string }): Promise<unknown>;
  };
}

const shared = new WeakMap<object, Thumbnails>();

/** One thumbnail generator per app (its single-flight map is per node), shared by the job and the file route. */
export function appThumbnails(app: { files: FileStore; logger: { warn(obj: object, msg: string): void } }): Thumbnails {
  let thumbs = shared.get(app);
  if (!thumbs) {
    thumbs = new Thumbnails(() => app.files, { onError: (err, key) => app.logger.warn({ err, key }, 'thumbnail generation failed; the original is served') });
    shared.set(app, thumbs);
  }
  return thumbs;
}

/** Defines the job kind and enqueues it for every write that stores images. */
export function defineThumbnailJob(deps: ThumbnailJobDeps): () => void {
  deps.jobs.define<ThumbnailJobPayload>(THUMBNAIL_JOB_KIND, (ctx) => makeThumbnails(deps, ctx.payload, ctx.signal), {
    queue: 'files',
    concurrency: 1,
    maxAttempts: 3,
    timeoutMs: 5 * 60_000,
  });
  return deps.records.onFilesStored(async (e) => {
    const files = e.files.filter((f) => isThumbableName(f.name));
    if (files.length === 0) return;
    await deps.jobs.enqueue<ThumbnailJobPayload>(THUMBNAIL_JOB_KIND, { collectionId: e.collection.id, recordId: e.recordId, files }, { queue: 'files' });
  });
}

async function makeThumbnails(deps: ThumbnailJobDeps, payload: ThumbnailJobPayload, signal: AbortSignal): Promise<{ made: number }> {
  const collection = deps.collections.find(payload.collectionId);
  if (!collection) return { made: 0 };
  const thumbs = appThumbnails(deps);
  let made = 0;
  for (const { field: fieldName, name } of payload.files) {
    // The record (or this file) may be gone by now: nothing to do then.
    if (!(await deps.files.exists(recordFileKey(payload.collectionId, payload.recordId, name)))) continue;
    const field = collection.fields.find((f) => f.type === 'file' && f.name === fieldName);
    const sizes = new Set([DEFAULT_THUMB, ...(field?.thumbs ?? [])]);
    for (const size of sizes) {
      if (signal.aborted) throw new Error('thumbnail job aborted');
      if (await thumbs.ensure(payload.collectionId, payload.recordId, name, size)) made++;
    }
    // Deleted while we worked: its folder is already gone, so the thumbnails just made must go too.
    if (!(await deps.files.exists(recordFileKey(payload.collectionId, payload.recordId, name)))) {
      await deps.files.deletePrefix(thumbsPrefix(payload.collectionId, payload.recordId, name));
    }
  }
  return { made };
}
