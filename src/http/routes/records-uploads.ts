/**
 * File uploads are the files issue's work: until the record engine stores files, a request that
 * carries file parts is refused as a whole (400, naming each part) rather than silently dropping
 * the files or writing the record without them.
 */
import { apiError, fieldError } from '../../core/errors.js';
import type { ErrorData } from '../../core/errors.js';
import type { UploadedFile } from '../body/uploaded-file.js';

export function rejectUploads(files: readonly UploadedFile[]): void {
  if (files.length === 0) return;
  const data: ErrorData = {};
  for (const file of files) {
    data[file.field] = fieldError('validation_invalid_value', undefined, 'File uploads are not supported yet.');
  }
  throw apiError('bad_request', 'File uploads are not supported yet.', data);
}
