/**
 * An upload made from bytes the app's own code holds (a generated PDF, an image it fetched in a job)
 * for `tx.records.create/update(..., { files })` and `app.records.create/update`. The type is
 * DETECTED from the bytes, as for a multipart part, so a field's `mimeTypes` judges what the file is
 * rather than what its name or the caller claims.
 */
import { Readable } from 'node:stream';
import { DETECT_BYTES, detectFileType } from '../files/detect-file-type.js';
import type { IncomingFile } from './record-files.js';

/**
 * `key` is the field name, or `field+` / `+field` to append / prepend on an update; `originalName`
 * only shapes the stored name (`<base>_<random>.<ext>`).
 */
export async function incomingFileFromBytes(key: string, originalName: string, bytes: Uint8Array): Promise<IncomingFile> {
  const { mime, ext } = await detectFileType(bytes.subarray(0, DETECT_BYTES));
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A new stream per open(): a PostgreSQL retry of a serializable transaction stores the bytes again.
  return { key, originalName, size: bytes.length, mime, ext, open: async () => Readable.from([view]) };
}
