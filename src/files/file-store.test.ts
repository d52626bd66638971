import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStoreConformance } from './file-store.conformance.js';
import { LocalFileStore } from './local/local-file-store.js';

fileStoreConformance({
  name: 'local',
  available: async () => true,
  async create(t) {
    const dir = await mkdtemp(join(tmpdir(), 'galley-files-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    return new LocalFileStore({ root: join(dir, 'storage') });
  },
});
