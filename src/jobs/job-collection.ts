/**
 * `_jobs` seen by the rule language: a read-only pseudo-collection, so job lists filter and sort
 * with the same language and error messages as records (`state = 'dead' && kind ~ 'mail'`,
 * `-created`). It is never stored in `_collections`.
 */
import { pseudoCollection } from '../rules/pseudo-collection.js';

const jobs = pseudoCollection('_jobs', ({ text, int, date, json }) => [
  text('id', true), text('kind'), text('queue'), text('state'), text('dedupKey'), text('lastError'), text('leaseOwner'),
  int('priority'), int('attempts'), int('maxAttempts'),
  date('runAt'), date('leaseUntil'), date('created'), date('updated'), date('finished'),
  json('payload'), json('result'),
]);

export const JOBS_COLLECTION = jobs.collection;

/** The WHERE fragment of a jobs filter; undefined when empty. A bad filter is a 400 (`invalid_filter`). */
export const compileJobFilter = jobs.filter;

/** The ORDER BY terms of a jobs sort; undefined when empty. A bad sort is a 400 (`invalid_sort`). */
export const compileJobSort = jobs.sort;
