/**
 * `_jobs` seen by the rule language: a read-only pseudo-collection, so job lists filter and sort
 * with the same language and error messages as records (`state = 'dead' && kind ~ 'mail'`,
 * `-created`). It is never stored in `_collections`.
 */
import type { Collection, Field } from '../core/schema.js';
import { pseudoCollectionQuery } from '../rules/pseudo-collection.js';

const common = { system: true, hidden: false, presentable: false, required: false } as const;
const text = (name: string, primaryKey = false): Field => ({ ...common, id: `jobs_${name}`, name, type: 'text', min: 0, max: 0, pattern: '', autogeneratePattern: '', primaryKey });
const int = (name: string): Field => ({ ...common, id: `jobs_${name}`, name, type: 'number', min: null, max: null, onlyInt: true });
const date = (name: string): Field => ({ ...common, id: `jobs_${name}`, name, type: 'date', min: '', max: '' });
const json = (name: string): Field => ({ ...common, id: `jobs_${name}`, name, type: 'json', maxSize: 0 });

export const JOBS_COLLECTION: Readonly<Collection> = Object.freeze({
  id: '_jobs',
  name: '_jobs',
  type: 'base',
  system: true,
  fields: [
    text('id', true), text('kind'), text('queue'), text('state'), text('dedupKey'), text('lastError'), text('leaseOwner'),
    int('priority'), int('attempts'), int('maxAttempts'),
    date('runAt'), date('leaseUntil'), date('created'), date('updated'), date('finished'),
    json('payload'), json('result'),
  ],
  indexes: [],
  listRule: null,
  viewRule: null,
  createRule: null,
  updateRule: null,
  deleteRule: null,
  created: '',
  updated: '',
});

const query = pseudoCollectionQuery(JOBS_COLLECTION);

/** The WHERE fragment of a jobs filter; undefined when empty. A bad filter is a 400 (`invalid_filter`). */
export const compileJobFilter = query.filter;

/** The ORDER BY terms of a jobs sort; undefined when empty. A bad sort is a 400 (`invalid_sort`). */
export const compileJobSort = query.sort;
