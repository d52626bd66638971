/**
 * The FileStore conformance suite on S3 (s3rver), once with the SDK's default checksums and once
 * with `when_required`; listing pages are kept small so pagination runs in every listing test.
 */
import { after, before } from 'node:test';
import { fileStoreConformance } from '../../src/files/file-store.conformance.js';
import type { S3ChecksumMode } from '../../src/files/s3/s3-file-store.js';
import { S3FileStore } from '../../src/files/s3/s3-file-store.js';
import { startS3TestServer } from './s3-test-server.js';
import type { S3TestServer } from './s3-test-server.js';

let server: S3TestServer;
before(async () => {
  server = await startS3TestServer();
});
after(() => server.close());

for (const checksums of ['when_supported', 'when_required'] as const satisfies readonly S3ChecksumMode[]) {
  fileStoreConformance({
    name: `s3 (s3rver, checksums ${checksums})`,
    available: async () => true,
    async create(t) {
      const store = new S3FileStore(await server.newBucket({ checksums, listPageSize: 2 }));
      t.after(() => store.close());
      return store;
    },
  });
}
