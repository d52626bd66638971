import type { Collection } from '../core/schema.js';
import { defaultAuthOptions, randomSecret } from './auth-options.js';
import { autodateField, withSystemFields, withSystemIndexes } from './system-fields.js';

/** Blank collections of each type, as the admin UI starts from (`GET /api/collections/meta/scaffolds`). */
export function scaffoldCollections(): { base: Collection; auth: Collection; view: Collection } {
  const blank = (type: Collection['type']): Collection => ({
    id: '', name: '', type, system: false,
    fields: type === 'view' ? [] : withSystemFields(type, [autodateField('created', false), autodateField('updated', false)]),
    indexes: [],
    listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null,
    created: '', updated: '',
  });
  const auth = { ...blank('auth'), ...defaultAuthOptions() };
  // index names need some id; PocketBase uses a random one when the collection has neither id nor name
  auth.indexes = withSystemIndexes({ id: randomSecret(10), name: '', type: 'auth' }, []);
  // system fields first, then created/updated, as PocketBase lists them
  auth.fields = [...auth.fields.filter((f) => f.system), ...auth.fields.filter((f) => !f.system)];
  return { base: blank('base'), auth, view: { ...blank('view'), viewQuery: '' } };
}
