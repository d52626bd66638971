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
import { encodeValue, isSecretField, rowDecoder, valuesDecoder } from './record-codec.js';
import type { InPlaceChanges } from './record-modifiers.js';
import type { RecordJson, RowDecoder, ValuesDecoder } from './record-codec.js';
import { quoteIdent } from './sql-tokens.js';
import type { ValidityCondition } from './validity-sql.js';

/** SQL text of one collection, derived once per collection object (a schema change makes a new one). */
export interface CollectionSql {
  table: string;
  /** `"t"."a", "t"."b", ...` plus `_version` for base/auth tables. */
  columns: string;
  /** `SELECT <columns> FROM "t"` */
  select: string;
  /** The same without the secret fields (see `isSecretField`), for reads whose output is shaped. */
  selectShown: string;
  insert: string;
  /** Sets every field but `id`, bumps `_version`; the last parameter is the id. */
  update: string;
  hasVersion: boolean;
  decode: RowDecoder;
  /** Rows of `select`/`columns` read as values (`_version` last), and of `selectShown`. */
  values: ValuesRead;
  shownValues: ValuesRead;
  /** One-row-by-id SELECT texts per rule fragment (see `byIdSql`), read side and FOR UPDATE side. */
  byId: Map<string, string>;
  byIdForUpdate: Map<string, string>;
  /** PostgreSQL: the same SELECT plus the row version (`xmin`), per rule fragment. */
  byIdRowVersion: Map<string, string>;
  /** PostgreSQL: `update` applied only while the row is the version read (`... AND xmin = ?`). */
  updateIfRowVersion: string;
  /** PostgreSQL: in-place UPDATE ... RETURNING texts per change shape and rule fragment (see `updateInPlace`). */
  inPlace: Map<string, string>;
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
  const shownFields = c.fields.filter((f) => !isSecretField(c, f)).map((f) => f.name);
  const shown = shownFields.map((name) => `${table}.${quoteIdent(name)}`);
  if (hasVersion) shown.push(`${table}."_version"`);
  const names = c.fields.map((f) => quoteIdent(f.name));
  const sets = c.fields.filter((f) => f.name !== 'id').map((f) => `${quoteIdent(f.name)} = ?`);
  s = {
    table,
    columns,
    select: `SELECT ${columns} FROM ${table}`,
    selectShown: `SELECT ${shown.join(', ')} FROM ${table}`,
    insert: `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
    update: `UPDATE ${table} SET ${[...sets, '"_version" = "_version" + 1'].join(', ')} WHERE "id" = ?`,
    hasVersion,
    decode: rowDecoder(c),
    values: valuesRead(c, c.fields.map((f) => f.name)),
    shownValues: valuesRead(c, shownFields),
    byId: new Map(),
    byIdForUpdate: new Map(),
    byIdRowVersion: new Map(),
    updateIfRowVersion: `UPDATE ${table} SET ${[...sets, '"_version" = "_version" + 1'].join(', ')} WHERE "id" = ? AND "xmin" = ?::xid`,
    inPlace: new Map(),
  };
  sqlCache.set(c, s);
  return s;
}

function storedRuleUse<T>(use: () => T): T {
  try {
    return use();
  } catch (err) {
    // A stored rule that no longer resolves (a field removed under it) denies rather than fails open.
    if (err instanceof RuleSyntaxError) throw apiError('forbidden', undefined, {}, err);
    throw err;
  }
}

export interface DecodedRow {
  record: RecordJson;
  version: number;
}

function decodedRow(s: CollectionSql, row: Row): DecodedRow {
  return { record: s.decode(row), version: s.hasVersion ? Number(row._version ?? 1) : 1 };
}

/** How to decode the rows of one column list read as values: the fields selected, then `_version`. */
interface ValuesRead {
  decode: ValuesDecoder;
  /** Where `_version` is (right after the fields). */
  versionAt: number;
}

function valuesRead(c: Collection, fields: readonly string[]): ValuesRead {
  return { decode: valuesDecoder(c, fields), versionAt: fields.length };
}

function decodedValues(s: CollectionSql, read: ValuesRead, row: readonly unknown[]): DecodedRow {
  return { record: read.decode(row), version: s.hasVersion ? Number(row[read.versionAt] ?? 1) : 1 };
}

export class RecordReader {
  readonly db: Database;
  readonly collections: CollectionService;
  readonly rules: RuleCache<PreparedRule | Error> | undefined;
  readonly #stored = new WeakMap<Collection, Map<string, { version: number; prepared: PreparedRule }>>();

  constructor(db: Database, collections: CollectionService, rules?: RuleCache<PreparedRule | Error>) {
    this.db = db;
    this.collections = collections;
    this.rules = rules;
  }

  /** A stored rule (trusted, validated on save) as a WHERE fragment. */
  ruleSql(c: Collection, rule: string, request: RequestInfo): SqlFragment {
    return storedRuleUse(() => this.#storedRule(c, rule).toSql({ dialect: this.db.dialect, request }));
  }

  /** A stored rule decided in memory for `record` (API shape), or 'undecided' (see rules/matcher.ts). */
  matchRule(c: Collection, rule: string, record: RecordJson, request: RequestInfo): boolean | 'undecided' {
    return storedRuleUse(() => this.#storedRule(c, rule).match({ record, request }));
  }

  #storedRule(c: Collection, rule: string): PreparedRule {
    // The shared cache's key is built from the schema version, options and the rule text on every
    // lookup; a stored rule is the same string of the same collection object request after request.
    const version = this.collections.version;
    let byRule = this.#stored.get(c);
    const hit = byRule?.get(rule);
    if (hit !== undefined && hit.version === version) return hit.prepared;
    const prepared = prepareRule(rule, { collection: c, schema: this.collections, limits: RULE_PARSE_LIMITS, ...(this.rules ? { cache: this.rules } : {}) });
    if (byRule === undefined) {
      byRule = new Map();
      this.#stored.set(c, byRule);
    }
    // A collection has at most six stored rules; more texts means rules edited over time.
    if (byRule.size >= 16) byRule.clear();
    byRule.set(rule, { version, prepared });
    return prepared;
  }

  /** A client's `?filter=` (hidden fields allowed only to superusers). */
  prepareFilter(c: Collection, filter: string, allowHidden: boolean): PreparedRule {
    return prepareRule(filter, { collection: c, schema: this.collections, allowHiddenFields: allowHidden, ...(this.rules ? { cache: this.rules } : {}) });
  }

  /**
   * Rows of `c` matching `where` (without the keyword; empty = all), decoded. With `shownOnly` the
   * secret fields are not read (they decode as zero values): for rows that are shaped before
   * anyone sees them, where a password hash is only bytes to copy.
   */
  async select(c: Collection, where: string, params: readonly SqlParam[], tail = '', shownOnly = false): Promise<DecodedRow[]> {
    const s = collectionSql(c);
    const rows = await this.db.allValues(`${shownOnly ? s.selectShown : s.select}${where === '' ? '' : ` WHERE ${where}`}${tail}`, params);
    const read = shownOnly ? s.shownValues : s.values;
    return rows.map((row) => decodedValues(s, read, row));
  }

  /**
   * `SELECT <columns> FROM "t" WHERE "t"."id" = ? [AND <rule>] LIMIT 1 [FOR UPDATE OF "t"]`. The text
   * is kept per rule fragment (a cached rule renders the same string object each time), so a
   * request neither concatenates it nor makes the statement cache hash a fresh string.
   */
  byIdSql(c: Collection, ruleSql: string, forUpdate: boolean): string {
    const s = collectionSql(c);
    const texts = forUpdate ? s.byIdForUpdate : s.byId;
    let sql = texts.get(ruleSql);
    if (sql !== undefined) return sql;
    // PostgreSQL READ COMMITTED: lock the row so ifMatch and the version bump cannot interleave.
    const tail = forUpdate && this.db.dialect === 'postgres' ? ` LIMIT 1 FOR UPDATE OF ${s.table}` : ' LIMIT 1';
    sql = `${s.select} WHERE ${s.table}."id" = ?${ruleSql === '' ? '' : ` AND ${ruleSql}`}${tail}`;
    // Rules reading the body, headers or clock render new text per request: bounded, not cached forever.
    if (texts.size >= 64) texts.clear();
    texts.set(ruleSql, sql);
    return sql;
  }

  /** The first row of a one-row statement from `byIdSql`, decoded. */
  selectOne(c: Collection, sql: string, params: readonly SqlParam[]): Promise<DecodedRow | undefined> {
    const s = collectionSql(c);
    return this.db.getValues(sql, params).then((row) => (row === undefined ? undefined : decodedValues(s, s.values, row)));
  }

  /**
   * PostgreSQL: the record `id` of `c` matching the rule fragment, with its row version, the
   * `xmin` every change to a row renews (raw SQL's too), for `updateIfRowVersion`.
   */
  async selectOneWithRowVersion(c: Collection, ruleSql: string, params: readonly SqlParam[]): Promise<(DecodedRow & { rowVersion: string }) | undefined> {
    const s = collectionSql(c);
    let sql = s.byIdRowVersion.get(ruleSql);
    if (sql === undefined) {
      sql = `SELECT ${s.columns}, ${s.table}."xmin"::text AS "_rowVersion" FROM ${s.table} WHERE ${s.table}."id" = ?${ruleSql === '' ? '' : ` AND ${ruleSql}`} LIMIT 1`;
      if (s.byIdRowVersion.size >= 64) s.byIdRowVersion.clear();
      s.byIdRowVersion.set(ruleSql, sql);
    }
    const row = await this.db.get<Row>(sql, params);
    return row === undefined ? undefined : { ...decodedRow(s, row), rowVersion: String(row._rowVersion) };
  }

  /**
   * Applies `changes` to the record `id` of `c` in one statement, where the rule fragment (and
   * `ifMatch`, the record's version) still hold, and returns the record as written; undefined when
   * no row matched. Number modifiers add in SQL, so concurrent ones all count without a lock held
   * across a round trip. On-update autodate fields take `now`. With `valid` (validity-sql.ts) the
   * row is written only when the record it becomes is valid.
   */
  async updateInPlace(c: Collection, id: string, changes: InPlaceChanges, now: string, rule: SqlFragment, ifMatch: number | undefined, valid?: ValidityCondition): Promise<DecodedRow | undefined> {
    const s = collectionSql(c);
    const params: SqlParam[] = [];
    let key = '';
    for (const [f, value] of changes.set) {
      key += `${f.name}=`;
      params.push(encodeValue(f, value));
    }
    for (const [f, delta] of changes.add) {
      key += `${f.name}+`;
      params.push(delta);
    }
    const onUpdate = c.fields.filter((f) => f.type === 'autodate' && f.onUpdate);
    for (let i = 0; i < onUpdate.length; i++) params.push(now);
    params.push(id, ...rule.params);
    if (ifMatch !== undefined) params.push(ifMatch);
    if (valid !== undefined) params.push(...valid.params);
    key += `|${ifMatch === undefined ? '' : 'v'}|${rule.sql}|${valid?.sql ?? ''}`;
    let sql = s.inPlace.get(key);
    if (sql === undefined) {
      const sets = [
        ...[...changes.set.keys()].map((f) => `${quoteIdent(f.name)} = ?`),
        ...[...changes.add.keys()].map((f) => `${quoteIdent(f.name)} = ${quoteIdent(f.name)} + ?`),
        ...onUpdate.map((f) => `${quoteIdent(f.name)} = ?`),
        '"_version" = "_version" + 1',
      ];
      const where = `${s.table}."id" = ?${rule.sql === '' ? '' : ` AND ${rule.sql}`}${ifMatch === undefined ? '' : ` AND ${s.table}."_version" = ?`}${valid === undefined ? '' : ` AND ${valid.sql}`}`;
      sql = `UPDATE ${s.table} SET ${sets.join(', ')} WHERE ${where} RETURNING ${s.columns}`;
      // Bodies of other shapes and rules reading the body or the clock make new texts: bounded.
      if (s.inPlace.size >= 64) s.inPlace.clear();
      s.inPlace.set(key, sql);
    }
    const row = await this.db.getValues(sql, params);
    return row === undefined ? undefined : decodedValues(s, s.values, row);
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
