/** Every area of the built-in routes that do not depend on the collections, in document order. */
import { apiKeysArea } from './api-keys.js';
import { batchArea } from './batch.js';
import { collectionsArea } from './collections.js';
import { filesArea } from './files.js';
import { graphqlArea } from './graphql.js';
import { jobsArea } from './jobs.js';
import { logsArea } from './logs.js';
import { mailArea } from './mail.js';
import type { PathArea } from './path-area.js';
import { realtimeArea } from './realtime.js';
import { systemArea } from './system.js';

export const systemAreas: readonly PathArea[] = [systemArea, collectionsArea, batchArea, filesArea, realtimeArea, graphqlArea, logsArea, jobsArea, mailArea, apiKeysArea];
