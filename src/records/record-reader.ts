/**
 * The read side shared by the record service, expand and output shaping: per-collection SQL text
 * built once per collection object, rule fragments through the `RuleCache`, and row decoding.
 * Every query runs on the current transaction when there is one (the `Database` joins it).
 */
import { apiError } from '../core/errors.js';
import type { Collection } from '../core/schema.js';
import type { Database, Row, SqlParam } from '../db/database.js';
import { prepareRule, RULE_PARSE_LIMITS, RuleSyntaxError } from '../rules/index.js';
import type { PreparedRule, RequestInfo, RuleCache, SqlFragment } from '../rules/index.js';
import type { CollectionService } from './collection-service.js';
import { rowDecoder } from './record-codec.js';
import type { RecordJson, RowDecoder } from './record-codec.js';
import { quoteIdent } from './sql-tokens.js';

/** SQL text of one collection, derived once per collection object (a schema change makes a new one). */
export interface CollectionSql {
  table: string;
  /** `"t"."a", "t"."b", ...` plus `_version` for base/auth tables. */
  columns: string;
  /** `SELECT <columns> FROM "t"` */
  select: string;
  insert: string;
  /** Sets every field but `id`, bumps `_version`; the last parameter is the id. */
  update: string;
  hasVersion: boolean;
  decode: RowDecoder;
}

const sqlCache = new WeakMap<Collection, CollectionSql>();

export function collectionSql(c: Collection): CollectionSql {
  let s = sqlCache.get(c);
  if (s !== undefined) return s;
  const table = quoteIdent(c.name);
  const hasVersion = c.type !== 'view';
  const cols = c.fields.map((f) => `${table}.${quoteIdent(f.name)}`);
  if (hasVersion) cols.push(`${table}."_version"`);
  const columns = cols.join(', ');
  const names = c.fields.map((f) => quoteIdent(f.name));
  const sets = c.fields.filter((f) => f.name !== 'id').map((f) => `${quoteIdent(f.name)} = ?`);
  s = {
    table,
    columns,
    select: `SELECT ${columns} FROM ${table}`,
    insert: `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
    update: `UPDATE ${table} SET ${[...sets, '"_version" = "_version" + 1'].join(', ')} WHERE "id" = ?`,
    hasVersion,
    decode: rowDecoder(c),
  };
  sqlCache.set(c, s);
  return s;
}

export interface DecodedRow {
  record: RecordJson;
  version: number;
}

export class RecordReader {
  readonly db: Database;
  readonly collections: CollectionService;
  readonly rules: RuleCache<PreparedRule | Error> | undefined;

  constructor(db: Database, collections: CollectionService, rules?: RuleCache<PreparedRule | Error>) {
    this.db = db;
    this.collections = collections;
    this.rules = rules;
  }

  /** A stored rule (trusted, validated on save) as a WHERE fragment. */
  ruleSql(c: Collection, rule: string, request: RequestInfo): SqlFragment {
    try {
      const prepared = prepareRule(rule, { collection: c, schema: this.collections, limits: RULE_PARSE_LIMITS, ...(this.rules ? { cache: this.rules } : {}) });
      return prepared.toSql({ dialect: this.db.dialect, request });
    } catch (err) {
      // A stored rule that no longer resolves (a field removed under it) denies rather than fails open.
      if (err instanceof RuleSyntaxError) throw apiError('forbidden', undefined, {}, err);
      throw err;
    }
  }

  /** A client's `?filter=` (hidden fields allowed only to superusers). */
  prepareFilter(c: Collection, filter: string, allowHidden: boolean): PreparedRule {
    return prepareRule(filter, { collection: c, schema: this.collections, allowHiddenFields: allowHidden, ...(this.rules ? { cache: this.rules } : {}) });
  }

  /** Rows of `c` matching `where` (without the keyword; empty = all), decoded. */
  async select(c: Collection, where: string, params: readonly SqlParam[], tail = ''): Promise<DecodedRow[]> {
    const s = collectionSql(c);
    const rows = await this.db.all<Row>(`${s.select}${where === '' ? '' : ` WHERE ${where}`}${tail}`, params);
    return rows.map((row) => ({ record: s.decode(row), version: s.hasVersion ? Number(row._version ?? 1) : 1 }));
  }

  /** Ids among `ids` whose records of `c` match `rule` for `request` (one query). */
  async idsMatching(c: Collection, ids: readonly string[], rule: string, request: RequestInfo): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const frag = this.ruleSql(c, rule, request);
    const table = quoteIdent(c.name);
    const rows = await this.db.all<{ id: string }>(
      `SELECT ${table}."id" AS "id" FROM ${table} WHERE ${table}."id" IN (${ids.map(() => '?').join(', ')}) AND ${frag.sql}`,
      [...ids, ...frag.params],
    );
    return new Set(rows.map((r) => String(r.id)));
  }
}
