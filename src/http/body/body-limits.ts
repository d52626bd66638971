/**
 * Limits on what a client may send in one body. The byte limit mirrors PocketBase's default 32 MB
 * (Fastify enforces `config.bodyLimit` for JSON and urlencoded; multipart counts its own bytes
 * with the same number). Part counts stop a body made of millions of tiny parts. Record routes
 * derive `maxBytes` from the collection's file fields (see records-uploads.ts).
 */
export interface BodyLimits {
  /** Total bytes of a multipart body. */
  maxBytes: number;
  /** Number of multipart parts (fields + files). */
  maxParts: number;
  /** Bytes of one non-file part (an `@jsonPayload` can be large: batch sends all requests in one). */
  maxFieldBytes: number;
  /** Number of file parts. */
  maxFiles: number;
  /**
   * Bytes kept of one file part, by part name (default: `maxBytes`). A bigger part is still read to
   * its end but marked `truncated`, so the record layer answers its own "file too large" error.
   */
  fileBytes?: (part: string) => number;
}

export const DEFAULT_BODY_LIMITS: Readonly<BodyLimits> = Object.freeze({
  maxBytes: 32 * 1024 * 1024,
  maxParts: 1000,
  maxFieldBytes: 32 * 1024 * 1024,
  maxFiles: 100,
});
