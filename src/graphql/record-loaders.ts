/**
 * Per-request batching of nested reads (DataLoader): every relation, back-relation and
 * back-relation count that a query level asks for is collected and read in ONE rule-checked query
 * per (collection, relation) — 100 posts with their authors cost one query for the authors, not
 * 100. The rules are the ones `?expand=` applies: the target collection's view rule, with
 * `@request.context = "expand"`; records it hides are simply absent (a single relation reads null).
 * Records are shaped like every REST response (hidden fields, email visibility), then passed to the
 * app's `onRecordEnrich` like `?expand=`'s: once per record object a loader hands out (a record
 * reached from several parents is the loader's one cached object).
 */
import DataLoader from 'dataloader';
import { apiError } from '../core/errors.js';
import type { Collection, RelationField } from '../core/schema.js';
import { isMultiple } from '../core/schema.js';
import type { SqlParam } from '../db/database.js';
import type { RecordJson } from '../records/record-codec.js';
import type { RecordReader } from '../records/record-reader.js';
import type { RecordContext } from '../records/record-service.js';
import { shapeAndEnrich } from '../records/record-shape.js';
import type { Enricher } from '../records/record-shape.js';
import { quoteIdent } from '../records/sql-tokens.js';

/** Back-relation rows one batch may read; above it the query fails clearly instead of truncating. */
export const MAX_BACK_RELATION_ROWS = 10_000;
const CHUNK = 500;

export function idList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' && value !== '' ? [value] : [];
}

function loaderOf<V>(map: Map<string, DataLoader<string, V>>, key: string, batch: (ids: readonly string[]) => Promise<V[]>): DataLoader<string, V> {
  let loader = map.get(key);
  if (loader === undefined) {
    loader = new DataLoader(batch, { maxBatchSize: CHUNK });
    map.set(key, loader);
  }
  return loader;
}

export class RecordLoaders {
  readonly #reader: RecordReader;
  readonly #ctx: RecordContext;
  readonly #enrich: Enricher | undefined;
  readonly #byId = new Map<string, DataLoader<string, RecordJson | null>>();
  readonly #via = new Map<string, DataLoader<string, RecordJson[]>>();
  readonly #viaCount = new Map<string, DataLoader<string, number>>();

  /** `enrich`: `RecordService.enricher()` when these loaders are made (per request, per subscription event). */
  constructor(reader: RecordReader, ctx: RecordContext, enrich: Enricher | undefined) {
    this.#reader = reader;
    this.#ctx = ctx;
    this.#enrich = enrich;
  }

  /** A record of `c` by id, or null when missing or hidden by the view rule. */
  record(c: Collection, id: string): Promise<RecordJson | null> {
    return loaderOf(this.#byId, c.id, (ids) => this.#loadByIds(c, ids)).load(id);
  }

  /** Records of `x` whose relation `f` points at `parentId`, in insertion order; the first `limit` per parent when given. */
  backRelation(x: Collection, f: RelationField, parentId: string, limit?: number): Promise<RecordJson[]> {
    return loaderOf(this.#via, `${x.id}/${f.name}/${limit ?? ''}`, (ids) => this.#loadVia(x, f, ids, limit)).load(parentId);
  }

  /** How many readable records of `x` point at `parentId` through `f`. */
  backRelationCount(x: Collection, f: RelationField, parentId: string): Promise<number> {
    return loaderOf(this.#viaCount, `${x.id}/${f.name}`, (ids) => this.#countVia(x, f, ids)).load(parentId);
  }

  /** The view rule as an extra WHERE fragment; null = nothing is readable. */
  #readable(t: Collection): { sql: string; params: SqlParam[] } | null {
    const ctx = this.#ctx;
    if (ctx.isSuperuser || t.viewRule === '') return { sql: '', params: [] };
    if (t.viewRule === null) return null;
    const frag = this.#reader.ruleSql(t, t.viewRule, { ...ctx.request, auth: ctx.auth, context: 'expand' });
    return { sql: ` AND (${frag.sql})`, params: frag.params };
  }

  async #loadByIds(c: Collection, ids: readonly string[]): Promise<Array<RecordJson | null>> {
    const readable = this.#readable(c);
    if (readable === null) return ids.map(() => null);
    const table = quoteIdent(c.name);
    const unique = [...new Set(ids)];
    const rows = await this.#reader.select(c, `${table}."id" IN (${unique.map(() => '?').join(', ')})${readable.sql}`, [...unique, ...readable.params]);
    const stored = rows.map((r) => r.record);
    const sent = await shapeAndEnrich(this.#reader, c, stored, this.#ctx, this.#enrich);
    // keyed by the stored id: a handler may change or delete what is sent
    const byId = new Map(stored.map((r, i) => [String(r.id), sent[i] as RecordJson]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** `WHERE` text selecting the records of `x` whose relation `f` holds one of `count` ids. */
  #match(x: Collection, f: RelationField, count: number): string {
    const col = `${quoteIdent(x.name)}.${quoteIdent(f.name)}`;
    const marks = Array.from({ length: count }, () => '?').join(', ');
    if (!isMultiple(f)) return `${col} IN (${marks})`;
    return this.#reader.db.dialect === 'postgres'
      ? `EXISTS (SELECT 1 FROM jsonb_array_elements_text(${col}) AS "_je"("value") WHERE "_je"."value" IN (${marks}))`
      : `EXISTS (SELECT 1 FROM json_each(${col}) AS "_je" WHERE "_je"."value" IN (${marks}))`;
  }

  async #loadVia(x: Collection, f: RelationField, parentIds: readonly string[], limit: number | undefined): Promise<RecordJson[][]> {
    const readable = this.#readable(x);
    if (readable === null) return parentIds.map(() => []);
    const table = quoteIdent(x.name);
    const rowid = this.#reader.db.dialect === 'postgres' ? `${table}."_rowid"` : `${table}.rowid`;
    let where = `${this.#match(x, f, parentIds.length)}${readable.sql}`;
    let params: SqlParam[] = [...parentIds, ...readable.params];
    if (limit !== undefined) {
      // the first `limit` per parent, ranked in SQL (a record pointing at several parents is
      // ranked once per parent and kept if it is among the first of any; trimmed per parent below)
      const col = `${table}.${quoteIdent(f.name)}`;
      const pg = this.#reader.db.dialect === 'postgres';
      const marks = parentIds.map(() => '?').join(', ');
      const ranked = !isMultiple(f)
        ? `SELECT ${rowid} AS "_r", ROW_NUMBER() OVER (PARTITION BY ${col} ORDER BY ${rowid}) AS "_n" FROM ${table} WHERE ${where}`
        : `SELECT ${rowid} AS "_r", ROW_NUMBER() OVER (PARTITION BY "_p"."value" ORDER BY ${rowid}) AS "_n" FROM ${table} CROSS JOIN ${pg ? `jsonb_array_elements_text(${col}) AS "_p"("value")` : `json_each(${col}) AS "_p"`} WHERE "_p"."value" IN (${marks}) AND ${where}`;
      where = `${rowid} IN (SELECT "_k"."_r" FROM (${ranked}) AS "_k" WHERE "_k"."_n" <= ?)`;
      params = [...(isMultiple(f) ? parentIds : []), ...params, limit];
    }
    const rows = await this.#reader.select(x, where, params, ` ORDER BY ${rowid} LIMIT ${MAX_BACK_RELATION_ROWS + 1}`);
    if (rows.length > MAX_BACK_RELATION_ROWS) {
      throw apiError('bad_request', `More than ${MAX_BACK_RELATION_ROWS} ${x.name} records point at these ${parentIds.length} records; query ${x.name} with a filter and pages instead.`);
    }
    const stored = rows.map((r) => r.record);
    const sent = await shapeAndEnrich(this.#reader, x, stored, this.#ctx, this.#enrich);
    const byParent = new Map<string, RecordJson[]>();
    // grouped by the stored relation: a handler may change or delete it in what is sent
    stored.forEach((r, i) => {
      for (const id of idList(r[f.name])) {
        let list = byParent.get(id);
        if (list === undefined) byParent.set(id, (list = []));
        list.push(sent[i] as RecordJson);
      }
    });
    return parentIds.map((id) => {
      const list = byParent.get(id) ?? [];
      return limit !== undefined && list.length > limit ? list.slice(0, limit) : list;
    });
  }

  async #countVia(x: Collection, f: RelationField, parentIds: readonly string[]): Promise<number[]> {
    const readable = this.#readable(x);
    if (readable === null) return parentIds.map(() => 0);
    const table = quoteIdent(x.name);
    const col = `${table}.${quoteIdent(f.name)}`;
    const inner = `SELECT ${col} AS "rel" FROM ${table} WHERE ${this.#match(x, f, parentIds.length)}${readable.sql}`;
    const marks = parentIds.map(() => '?').join(', ');
    const pg = this.#reader.db.dialect === 'postgres';
    const sql = !isMultiple(f)
      ? `SELECT "s"."rel" AS "k", COUNT(*) AS "n" FROM (${inner}) AS "s" GROUP BY "s"."rel"`
      : pg
        ? `SELECT "je"."value" AS "k", COUNT(*) AS "n" FROM (${inner}) AS "s" CROSS JOIN LATERAL jsonb_array_elements_text("s"."rel") AS "je"("value") WHERE "je"."value" IN (${marks}) GROUP BY "je"."value"`
        : `SELECT "je"."value" AS "k", COUNT(*) AS "n" FROM (${inner}) AS "s", json_each("s"."rel") AS "je" WHERE "je"."value" IN (${marks}) GROUP BY "je"."value"`;
    const params: SqlParam[] = [...parentIds, ...readable.params, ...(isMultiple(f) ? parentIds : [])];
    const rows = await this.#reader.db.all<{ k: unknown; n: unknown }>(sql, params);
    const byParent = new Map(rows.map((r) => [String(r.k), Number(r.n)]));
    return parentIds.map((id) => byParent.get(id) ?? 0);
  }
}
