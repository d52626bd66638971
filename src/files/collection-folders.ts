/**
 * A deleted collection's storage folder (`<collectionId>/`: every record's files and thumbnails)
 * is deleted after the collection is, as PocketBase does. Runs on the node that deleted it; a
 * failure is logged (the collection is gone either way). Structural types keep `files/` free of `records/`.
 */
import type { FileStore } from './file-store.js';

export interface CollectionFoldersDeps {
  files: FileStore;
  logger: { error(obj: object, msg: string): void };
  collections: {
    onChange(listener: (e: { action: string; before?: { id: string } }) => void | Promise<void>): () => void;
  };
}

export function deleteFoldersOfDeletedCollections(deps: CollectionFoldersDeps): () => void {
  return deps.collections.onChange(async (e) => {
    if (e.action !== 'delete' || !e.before) return;
    try {
      await deps.files.deletePrefix(`${e.before.id}/`);
    } catch (err) {
      deps.logger.error({ err, collectionId: e.before.id }, "failed to delete a deleted collection's files");
    }
  });
}
