/**
 * A file part of a multipart body. Its bytes were streamed to a temporary file (never held in
 * memory), up to the limit that applies to its part; the request's end deletes the file.
 */
export interface UploadedFile {
  /** The multipart part name: `avatar`, `avatar+`, `requests.0.avatar`, ... */
  field: string;
  /** The client's file name (no path). */
  filename: string;
  /** The client's declared Content-Type (informational: checks use `detected`). */
  mimeType: string;
  /** Bytes received for this part (all of them, also when `truncated`). */
  size: number;
  /** More bytes arrived than the part's limit; only the first ones were kept. */
  truncated: boolean;
  /** The type detected from the first bytes (magic numbers). */
  detected: { mime: string; ext: string };
  /** The temporary file with the kept bytes. */
  path: string;
}
