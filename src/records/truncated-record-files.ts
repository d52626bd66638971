/**
 * Truncating a collection deletes its records' files after the commit, as deleting each record
 * would: every truncated record's folder (files and thumbnails), a few at a time. Only those
 * folders, not the collection's whole prefix: a record created right after the truncate keeps its
 * files. A failure is logged (the records are gone either way), like a deleted collection's folder.
 */
import type { FileStore } from '../files/file-store.js';
import type { TruncateListener } from './collection-service.js';
import { deleteRecordFolder, hasFileFields } from './record-files.js';

/** Folders deleted at once: enough to hide S3's per-request latency, few enough for a local disk. */
const PARALLEL_DELETES = 8;

export interface TruncatedRecordFilesDeps {
  files: FileStore;
  logger: { error(obj: object, msg: string): void };
  collections: { onTruncate(listener: TruncateListener): () => void };
}

export function deleteFilesOfTruncatedRecords(deps: TruncatedRecordFilesDeps): () => void {
  return deps.collections.onTruncate(async ({ collection, tx, recordIds }) => {
    if (!hasFileFields(collection)) return;
    const ids = await recordIds();
    if (ids.length === 0) return;
    tx.afterCommit(async () => {
      let next = 0;
      let failed = 0;
      const worker = async (): Promise<void> => {
        for (let id = ids[next++]; id !== undefined; id = ids[next++]) {
          try {
            await deleteRecordFolder(deps.files, collection.id, id);
          } catch (err) {
            if (failed++ === 0) deps.logger.error({ err, collectionId: collection.id, recordId: id }, "failed to delete a truncated record's files");
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL_DELETES, ids.length) }, worker));
      if (failed > 1) deps.logger.error({ collectionId: collection.id, failed }, "failed to delete the files of several truncated records");
    });
  });
}
