/** What every resolver receives: the services, the requester (as REST builds it) and the per-request loaders. */
import type { AuthState } from '../auth/auth-record.js';
import type { AuthService } from '../auth/auth-service.js';
import type { Database } from '../db/database.js';
import type { CollectionService } from '../records/collection-service.js';
import type { RecordReader } from '../records/record-reader.js';
import type { RecordContext, RecordService } from '../records/record-service.js';
import type { RecordLoaders } from './record-loaders.js';
import type { RecordEventBroker } from './subscription-fields.js';

export interface GraphQLDeps {
  db: Database;
  collections: CollectionService;
  records: RecordService;
  reader: RecordReader;
  /** Login flows (brute-force guard, MFA, alerts), as the REST auth routes use them. */
  auth: AuthService;
  /** The realtime broker feeding subscriptions (absent: no Subscription root). */
  broker?: RecordEventBroker | undefined;
}

export interface GraphQLContext {
  deps: GraphQLDeps;
  /** The requester in the record engine's shape (rules, superuser flag, `@request.*`). */
  record: RecordContext;
  /** The authenticated record and its token, for auth mutations. */
  auth: AuthState | null;
  token: string | undefined;
  /** Where the request comes from (login guard and alerts). */
  client: { ip: string; userAgent: string };
  loaders: RecordLoaders;
  /** Fresh loaders (each subscription event reads relations as of that event). */
  newLoaders(): RecordLoaders;
  broker: RecordEventBroker | undefined;
}
