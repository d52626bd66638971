/**
 * Files in an S3 bucket (AWS or an S3-compatible service), for nodes that share their files.
 * Built on the official AWS SDK v3, which is loaded on first use (dynamic import), so a node that
 * keeps its files on local disk never pays for it.
 *
 * Writes of a stream go through `@aws-sdk/lib-storage`'s `Upload`: bodies up to one part are a
 * single PutObject, larger ones a multipart upload that is aborted when the source fails, so a
 * failed upload leaves no object (and an overwrite that fails keeps the previous version). Memory
 * is bounded by `partSize * queueSize`, never by the file size.
 *
 * `checksums: 'when_required'` makes the SDK send and check checksums only where S3 requires them:
 * older S3-compatible services reject the CRC32 trailers the SDK adds by default.
 */
import type { Readable } from 'node:stream';
import { apiError, isApiError } from '../../core/errors.js';
import { normalizeFileKey, normalizeFilePrefix } from '../file-key.js';
import type { FileAttributes, FileStore, ReadRange } from '../file-store.js';

export type S3ChecksumMode = 'when_supported' | 'when_required';

export interface S3FileStoreOptions {
  bucket: string;
  region: string;
  /** The service's URL; empty for AWS itself. */
  endpoint?: string;
  accessKey: string;
  secret: string;
  /** `https://host/bucket/key` instead of `https://bucket.host/key` (most self-hosted services). */
  forcePathStyle?: boolean;
  /** Default `when_supported` (the SDK's default); `when_required` for older S3-compatible services. */
  checksums?: S3ChecksumMode;
  /** Keys per ListObjectsV2 page (S3's maximum and default is 1000; tests use small pages). */
  listPageSize?: number;
  /** Multipart part size in bytes (minimum 5 MiB, S3's limit). */
  partSize?: number;
}

type S3Module = typeof import('@aws-sdk/client-s3');
type StorageModule = typeof import('@aws-sdk/lib-storage');

interface Sdk {
  s3: S3Module;
  Upload: StorageModule['Upload'];
  client: InstanceType<S3Module['S3Client']>;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
/** DeleteObjects takes at most this many keys per call. */
const DELETE_BATCH = 1000;

export class S3FileStore implements FileStore {
  readonly kind = 's3' as const;
  readonly bucket: string;
  readonly #options: Readonly<S3FileStoreOptions>;
  #sdk: Promise<Sdk> | undefined;
  #presigner: Promise<[Sdk, typeof import('@aws-sdk/s3-request-presigner')]> | undefined;
  #closed = false;

  constructor(options: S3FileStoreOptions) {
    this.#options = Object.freeze({ ...options });
    this.bucket = options.bucket;
  }

  /** The SDK client, created on first use; exposed for presigned URLs and the connection test. */
  client(): Promise<Sdk> {
    if (this.#closed) return Promise.reject(new Error('the S3 file store is closed'));
    this.#sdk ??= loadSdk(this.#options);
    return this.#sdk;
  }

  /**
   * A presigned PUT URL for `key` that accepts exactly `size` bytes of `contentType` until it
   * expires. Signed by a client that adds no checksum parameters (the SDK's default would sign a
   * checksum of an empty body into the URL, which a browser's upload cannot match).
   */
  async presignPut(key: string, options: { size: number; contentType: string; expiresInSeconds: number }): Promise<string> {
    const Key = normalizeFileKey(key);
    this.#presigner ??= Promise.all([
      loadSdk({ ...this.#options, checksums: 'when_required' }),
      import('@aws-sdk/s3-request-presigner'),
    ]);
    const [{ s3, client }, { getSignedUrl }] = await this.#presigner;
    const command = new s3.PutObjectCommand({ Bucket: this.bucket, Key, ContentLength: options.size, ContentType: options.contentType });
    return getSignedUrl(client, command, { expiresIn: options.expiresInSeconds, signableHeaders: new Set(['content-type', 'content-length']) });
  }

  async put(key: string, body: Readable | Uint8Array, contentType?: string): Promise<FileAttributes> {
    const Key = normalizeFileKey(key);
    const { s3, client, Upload } = await this.client();
    const common = { Bucket: this.bucket, Key, ...(contentType ? { ContentType: contentType } : {}) };
    if (body instanceof Uint8Array) {
      await client.send(new s3.PutObjectCommand({ ...common, Body: body, ContentLength: body.byteLength }));
    } else {
      const upload = new Upload({
        client,
        params: { ...common, Body: body },
        partSize: Math.max(this.#options.partSize ?? MIN_PART_SIZE, MIN_PART_SIZE),
        queueSize: 2,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } finally {
        if (!body.destroyed) body.destroy();
      }
    }
    const attrs = await this.stat(Key);
    if (!attrs) throw apiError('internal', undefined, undefined, new Error(`object vanished right after writing: ${Key}`));
    return contentType === undefined || attrs.contentType ? attrs : { ...attrs, contentType };
  }

  async get(key: string, range?: ReadRange): Promise<Readable> {
    const Key = normalizeFileKey(key);
    if (range) checkRange(range);
    const { s3, client } = await this.client();
    let out;
    try {
      out = await client.send(
        new s3.GetObjectCommand({ Bucket: this.bucket, Key, ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}) }),
      );
    } catch (err) {
      throw mapReadError(err);
    }
    const body = out.Body as Readable | undefined;
    if (!body) throw apiError('internal', undefined, undefined, new Error(`no body for ${Key}`));
    // S3 answers a range on an empty object with 416; some compatible services send a 206 of "0-0/0".
    if (range && totalOfContentRange(out.ContentRange) === 0) {
      body.destroy();
      throw apiError('range_not_satisfiable');
    }
    return body;
  }

  async stat(key: string): Promise<FileAttributes | undefined> {
    const Key = normalizeFileKey(key);
    const { s3, client } = await this.client();
    try {
      const head = await client.send(new s3.HeadObjectCommand({ Bucket: this.bucket, Key }));
      const attrs: FileAttributes = { size: head.ContentLength ?? 0, modified: head.LastModified ?? new Date(0) };
      if (head.ContentType) attrs.contentType = head.ContentType;
      if (head.ETag) attrs.etag = head.ETag;
      return attrs;
    } catch (err) {
      if (isMissingObject(err)) return undefined;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  async delete(key: string): Promise<void> {
    const Key = normalizeFileKey(key);
    const { s3, client } = await this.client();
    try {
      await client.send(new s3.DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      if (!isMissingObject(err)) throw err;
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    let removed = 0;
    for (let i = 0; i < keys.length; i += DELETE_BATCH) removed += await this.#deleteBatch(keys.slice(i, i + DELETE_BATCH));
    return removed;
  }

  async list(prefix: string): Promise<string[]> {
    const Prefix = normalizeFilePrefix(prefix);
    const { s3, client } = await this.client();
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(
        new s3.ListObjectsV2Command({
          Bucket: this.bucket,
          ...(Prefix ? { Prefix } : {}),
          MaxKeys: this.#options.listPageSize ?? 1000,
          ...(ContinuationToken ? { ContinuationToken } : {}),
        }),
      );
      for (const item of page.Contents ?? []) if (item.Key !== undefined) keys.push(item.Key);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return keys.sort();
  }

  /** One cheap authenticated request (a 1-key listing): rejects with the service's error. */
  async checkConnection(): Promise<void> {
    const { s3, client } = await this.client();
    await client.send(new s3.ListObjectsV2Command({ Bucket: this.bucket, MaxKeys: 1 }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const sdk of [this.#sdk, this.#presigner?.then(([presign]) => presign)]) {
      if (sdk) (await sdk.catch(() => undefined))?.client.destroy();
    }
    this.#sdk = undefined;
    this.#presigner = undefined;
  }

  /**
   * One DeleteObjects call; keys it reports as failed, or the whole batch when the call itself is
   * refused (some S3-compatible services lack DeleteObjects or want a Content-MD5 the SDK does not
   * send), are deleted one by one.
   */
  async #deleteBatch(keys: string[]): Promise<number> {
    const { s3, client } = await this.client();
    let failed: string[] = keys;
    try {
      const out = await client.send(
        new s3.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
      );
      failed = (out.Errors ?? []).map((e) => e.Key).filter((k): k is string => k !== undefined);
    } catch {
      // fall through: delete each key on its own
    }
    for (const Key of failed) {
      try {
        await client.send(new s3.DeleteObjectCommand({ Bucket: this.bucket, Key }));
      } catch (err) {
        if (!isMissingObject(err)) throw err;
      }
    }
    return keys.length;
  }
}

async function loadSdk(options: Readonly<S3FileStoreOptions>): Promise<Sdk> {
  const [s3, storage] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);
  const checksums = options.checksums === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  const client = new s3.S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    credentials: { accessKeyId: options.accessKey, secretAccessKey: options.secret },
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
  });
  return { s3, Upload: storage.Upload, client };
}

function checkRange(range: ReadRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw apiError('bad_request', 'Invalid range.');
  }
}

/** The total size in a `Content-Range: bytes a-b/total` header, or undefined. */
function totalOfContentRange(header: string | undefined): number | undefined {
  const match = header ? /\/(\d+)\s*$/.exec(header) : null;
  return match ? Number(match[1]) : undefined;
}

function httpStatusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function errorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as { name?: string }).name : undefined;
}

function isMissingObject(err: unknown): boolean {
  const name = errorName(err);
  return name === 'NotFound' || name === 'NoSuchKey' || httpStatusOf(err) === 404;
}

function mapReadError(err: unknown): unknown {
  if (isApiError(err)) return err;
  if (isMissingObject(err)) return apiError('not_found');
  if (errorName(err) === 'InvalidRange' || httpStatusOf(err) === 416) return apiError('range_not_satisfiable');
  return err;
}
