/**
 * A file part of a multipart body, buffered in memory. The files issue will store these; until
 * then a record route rejects them (see `rejectFileParts`).
 */
export interface UploadedFile {
  /** The multipart part name: `avatar`, `avatar+`, `requests.0.avatar`, ... */
  field: string;
  /** The client's file name (no path). */
  filename: string;
  mimeType: string;
  data: Buffer;
}
