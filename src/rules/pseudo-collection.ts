/**
 * Filter and sort over a read-only pseudo-collection: a system table (`_logs`, `_jobs`) described as
 * a collection that is never stored in `_collections`, so its list API uses the same rule language,
 * limits and error messages as records. Its columns must be named like the fields.
 */
import type { Collection } from '../core/schema.js';
import type { Dialect } from '../db/database.js';
import { compileFilter, invalidFilterError, invalidSortError, parseSort, RuleSyntaxError } from './index.js';
import type { SchemaLookup, SqlFragment } from './index.js';

export interface PseudoCollectionQuery {
  /** The WHERE fragment of a filter; undefined when empty. A bad filter is a 400 (`invalid_filter`). */
  filter(filter: string, dialect: Dialect): SqlFragment | undefined;
  /** The ORDER BY terms of a sort; undefined when empty. A bad sort is a 400 (`invalid_sort`). */
  sort(sort: string, dialect: Dialect): string | undefined;
}

export function pseudoCollectionQuery(collection: Readonly<Collection>): PseudoCollectionQuery {
  const schema: SchemaLookup = {
    version: 0,
    find: (nameOrId) => (nameOrId === collection.name ? collection : undefined),
  };
  return {
    filter(filter, dialect) {
      if (filter.trim() === '') return undefined;
      try {
        return compileFilter(filter, { collection, schema, dialect });
      } catch (err) {
        if (err instanceof RuleSyntaxError) throw invalidFilterError(err);
        throw err;
      }
    },
    sort(sort, dialect) {
      if (sort.trim() === '') return undefined;
      try {
        return parseSort(sort, { collection, schema, dialect }).sql;
      } catch (err) {
        if (err instanceof RuleSyntaxError) throw invalidSortError(err);
        throw err;
      }
    },
  };
}
