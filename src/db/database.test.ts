import { requireService } from '../testing/services.js';
import { createTestDatabase } from '../testing/databases.js';
import { databaseConformance } from './database.conformance.js';
import type { ConformanceTarget } from './database.conformance.js';
import type { Dialect } from './database.js';
import { openDatabase } from './open-database.js';

function target(dialect: Dialect): ConformanceTarget {
  return {
    dialect,
    async create(t) {
      if (dialect === 'postgres' && !(await requireService(t, 'postgres'))) return undefined;
      const tdb = await createTestDatabase(dialect);
      return {
        db: tdb.db,
        openSecond: () => openDatabase({ url: tdb.url, dataDir: tdb.dir }),
        cleanup: tdb.cleanup,
      };
    },
  };
}

databaseConformance(target('sqlite'));
databaseConformance(target('postgres'));
