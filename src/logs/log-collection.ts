/**
 * `_logs` seen by the rule language: a read-only pseudo-collection, so `GET /api/logs` filters and
 * sorts with the same language, limits and error messages as records (`data.status >= 400`,
 * `message ~ 'users'`, `-created`). It is never stored in `_collections`; its columns are the log
 * table's (docs/logs.md).
 */
import type { Collection, Field } from '../core/schema.js';
import { pseudoCollectionQuery } from '../rules/pseudo-collection.js';

const common = { system: true, hidden: false, presentable: false } as const;

const fields: Field[] = [
  { ...common, id: 'logs_id', name: 'id', type: 'text', min: 0, max: 0, pattern: '', autogeneratePattern: '', required: true, primaryKey: true },
  { ...common, id: 'logs_created', name: 'created', type: 'date', min: '', max: '', required: false },
  { ...common, id: 'logs_updated', name: 'updated', type: 'date', min: '', max: '', required: false },
  { ...common, id: 'logs_level', name: 'level', type: 'number', min: null, max: null, onlyInt: true, required: false },
  { ...common, id: 'logs_message', name: 'message', type: 'text', min: 0, max: 0, pattern: '', autogeneratePattern: '', required: false, primaryKey: false },
  { ...common, id: 'logs_data', name: 'data', type: 'json', maxSize: 0, required: false },
];

export const LOGS_COLLECTION: Readonly<Collection> = Object.freeze({
  id: '_logs',
  name: '_logs',
  type: 'base',
  system: true,
  fields,
  indexes: [],
  listRule: null,
  viewRule: null,
  createRule: null,
  updateRule: null,
  deleteRule: null,
  created: '',
  updated: '',
});

const query = pseudoCollectionQuery(LOGS_COLLECTION);

/** The WHERE fragment for a logs filter; undefined when empty. Bad filters are 400s. */
export const compileLogFilter = query.filter;

/** The ORDER BY terms for a logs sort (`-created,level`, `@random`, `@rowid`); undefined when empty. */
export const compileLogSort = query.sort;
