/** Points a test app's file storage at a fresh bucket of the test S3 server, through the settings API. */
import { S3FileStore } from '../../src/files/s3/s3-file-store.js';
import type { S3FileStoreOptions } from '../../src/files/s3/s3-file-store.js';
import type { TestApp } from '../http/test-app.js';
import type { S3TestServer } from './s3-test-server.js';

export async function enableS3(t: TestApp, server: S3TestServer, overrides: Partial<S3FileStoreOptions> = {}): Promise<S3FileStoreOptions> {
  const options = await server.newBucket(overrides);
  const res = await t.call('PATCH', '/api/settings', {
    body: {
      s3: {
        enabled: true,
        bucket: options.bucket,
        region: options.region,
        endpoint: options.endpoint,
        accessKey: options.accessKey,
        secret: options.secret,
        forcePathStyle: true,
        checksums: options.checksums ?? 'when_supported',
      },
    },
  });
  if (res.status !== 200) throw new Error(`enabling S3 failed: ${res.status} ${JSON.stringify(res.body)}`);
  if (t.app.files.kind !== 's3') throw new Error('the app did not switch to S3');
  return options;
}

/** Every key in the bucket of `options` (read with a store of its own). */
export async function bucketKeys(options: S3FileStoreOptions): Promise<string[]> {
  const store = new S3FileStore(options);
  try {
    return await store.list('');
  } finally {
    await store.close();
  }
}
