/**
 * `_logs` seen by the rule language: a read-only pseudo-collection, so `GET /api/logs` filters and
 * sorts with the same language, limits and error messages as records (`data.status >= 400`,
 * `message ~ 'users'`, `-created`). It is never stored in `_collections`; its columns are the log
 * table's (docs/logs.md).
 */
import { pseudoCollection } from '../rules/pseudo-collection.js';

const logs = pseudoCollection('_logs', ({ text, int, date, json }) => [
  text('id', true), date('created'), date('updated'), int('level'), text('message'), json('data'),
]);

export const LOGS_COLLECTION = logs.collection;

/** The WHERE fragment for a logs filter; undefined when empty. Bad filters are 400s. */
export const compileLogFilter = logs.filter;

/** The ORDER BY terms for a logs sort (`-created,level`, `@random`, `@rowid`); undefined when empty. */
export const compileLogSort = logs.sort;
