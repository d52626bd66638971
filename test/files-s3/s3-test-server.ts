/**
 * An S3-compatible server for tests: s3rver (the maintained `@20minutes/s3rver` fork), on a free
 * loopback port over a temp folder. It runs in a child Node process rather than in the test
 * process because its ListObjectsV2 continuation tokens use DES, which Node's OpenSSL 3 only has
 * with `--openssl-legacy-provider`; without it every paginated listing fails. The child exits when
 * the test process does (its stdin closes). `s3rver-child.cjs` corrects two of s3rver's departures
 * from S3 (non-atomic writes, `Range: bytes=N-0`).
 *
 * s3rver does not verify SigV4 signatures of current SDK requests correctly, so it runs with
 * `allowMismatchedSignatures`: these tests exercise Galley's use of S3, not request signing.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { S3FileStoreOptions } from '../../src/files/s3/s3-file-store.js';
import { S3FileStore } from '../../src/files/s3/s3-file-store.js';

export interface S3TestServer {
  endpoint: string;
  /** Options for a store on a new, empty bucket of this server. */
  newBucket(overrides?: Partial<S3FileStoreOptions>): Promise<S3FileStoreOptions>;
  close(): Promise<void>;
}

export async function startS3TestServer(): Promise<S3TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'galley-s3rver-'));
  const entry = createRequire(import.meta.url).resolve('@20minutes/s3rver');
  const script = fileURLToPath(new URL('./s3rver-child.cjs', import.meta.url));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', script, entry, dir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.once('line', (line) => {
        lines.close();
        resolve((JSON.parse(line) as { port: number }).port);
      });
      child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening`)));
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    async newBucket(overrides = {}) {
      const options: S3FileStoreOptions = {
        bucket: `galley-${randomBytes(6).toString('hex')}`,
        region: 'us-east-1',
        endpoint,
        accessKey: 'S3RVER',
        secret: 'S3RVER',
        forcePathStyle: true,
        ...overrides,
      };
      const store = new S3FileStore(options);
      try {
        const { s3, client } = await store.client();
        await client.send(new s3.CreateBucketCommand({ Bucket: options.bucket }));
      } finally {
        await store.close();
      }
      return options;
    },
    async close() {
      child.stdin.end();
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
