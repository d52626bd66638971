/**
 * Filter and sort over a read-only pseudo-collection: a system table (`_logs`, `_jobs`) described as
 * a collection that is never stored in `_collections`, so its list API uses the same rule language,
 * limits and error messages as records. Its columns must be named like the fields.
 */
import type { Collection, Field } from '../core/schema.js';
import type { Dialect } from '../db/database.js';
import { compileFilter, invalidFilterError, invalidSortError, parseSort, RuleSyntaxError } from './index.js';
import type { SchemaLookup, SqlFragment } from './index.js';

export interface PseudoCollectionQuery {
  /** The WHERE fragment of a filter; undefined when empty. A bad filter is a 400 (`invalid_filter`). */
  filter(filter: string, dialect: Dialect): SqlFragment | undefined;
  /** The ORDER BY terms of a sort; undefined when empty. A bad sort is a 400 (`invalid_sort`). */
  sort(sort: string, dialect: Dialect): string | undefined;
}

/** Builders for a pseudo-collection's columns; each field's id is `<prefix>_<name>`. */
export interface PseudoFields {
  /** A text column; `primaryKey` marks the (always set) row id. */
  text(name: string, primaryKey?: boolean): Field;
  /** An integer column. */
  int(name: string): Field;
  date(name: string): Field;
  json(name: string): Field;
}

export interface PseudoCollection extends PseudoCollectionQuery {
  readonly collection: Readonly<Collection>;
}

/**
 * A frozen pseudo-collection named `name` (its id too) with the columns `fields` builds, and its
 * filter/sort compilers.
 */
export function pseudoCollection(name: string, fields: (f: PseudoFields) => Field[]): PseudoCollection {
  const prefix = name.replace(/^_/, '');
  const common = { system: true, hidden: false, presentable: false, required: false } as const;
  const builders: PseudoFields = {
    text: (n, primaryKey = false) => ({ ...common, id: `${prefix}_${n}`, name: n, type: 'text', min: 0, max: 0, pattern: '', autogeneratePattern: '', primaryKey, required: primaryKey }),
    int: (n) => ({ ...common, id: `${prefix}_${n}`, name: n, type: 'number', min: null, max: null, onlyInt: true }),
    date: (n) => ({ ...common, id: `${prefix}_${n}`, name: n, type: 'date', min: '', max: '' }),
    json: (n) => ({ ...common, id: `${prefix}_${n}`, name: n, type: 'json', maxSize: 0 }),
  };
  const collection: Readonly<Collection> = Object.freeze({
    id: name,
    name,
    type: 'base',
    system: true,
    fields: fields(builders),
    indexes: [],
    listRule: null,
    viewRule: null,
    createRule: null,
    updateRule: null,
    deleteRule: null,
    created: '',
    updated: '',
  });
  return { collection, ...pseudoCollectionQuery(collection) };
}

function pseudoCollectionQuery(collection: Readonly<Collection>): PseudoCollectionQuery {
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
