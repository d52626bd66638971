/**
 * Record CRUD with PocketBase's semantics: API rules (null = superusers only, "" = anyone, an
 * expression = a filter the record must match), validation with per-field codes, body
 * modifiers, expand, output shaping, cascade deletes and per-record versions for ETags.
 *
 * Writes run in `db.transaction`, which joins an outer transaction (batch) through the async
 * context. Listeners hear about changes after commit. All per-collection work (SQL text, column
 * lists, decoders, shaping plans) is cached per collection object, and rules go through the
 * `RuleCache`, so a request does no schema work.
 */
import { apiError, validationError } from '../core/errors.js';
import type { Collection } from '../core/schema.js';
import { zeroValue } from '../core/schema.js';
import type { Database, SqlParam, Transaction } from '../db/database.js';
import { dbErrorKind } from '../db/db-error-kind.js';
import type { FileStore } from '../files/file-store.js';
import { randomRecordId } from '../lib/random-string.js';
import { invalidFilterError, invalidSortError, parseSort, RuleCache, RuleSyntaxError } from '../rules/index.js';
import type { AuthRecord, PreparedRule, RequestInfo, SqlFragment } from '../rules/index.js';
import type { CollectionService } from './collection-service.js';
import { ErrorTree } from './error-tree.js';
import { applyAuthBody, hashPassword, prevalidatedPassword } from './record-auth-fields.js';
import { generateFromPattern } from './record-autogenerate.js';
import { encodeValue } from './record-codec.js';
import type { RecordJson } from './record-codec.js';
import { deleteReferences } from './record-cascade.js';
import { expandRecords, parseExpand } from './record-expand.js';
import { deleteRecordFolder, hasFileFields, prepareFileChanges } from './record-files.js';
import type { IncomingFile, RecordFileChanges } from './record-files.js';
import { holdUploadsUntilCommit } from './discard-uploads-on-rollback.js';
import { applyBody, inPlaceChanges } from './record-modifiers.js';
import type { InPlaceChanges } from './record-modifiers.js';
import { collectionSql, RecordReader } from './record-reader.js';
import type { DecodedRow } from './record-reader.js';
import { managedIds, shapeAndEnrich, shapeRecordsNow } from './record-shape.js';
import type { Enricher } from './record-shape.js';
import { ensureVersionColumn } from './record-table-sync.js';
import { uniqueViolation } from './record-unique-error.js';
import { nowDatetime, validateValue } from './record-validator.js';
import { quoteIdent } from './sql-tokens.js';
import { knownValuesValid, validityCondition } from './validity-sql.js';
import type { ValidityCondition } from './validity-sql.js';
import { validateEvent } from '../hooks/app-hooks.js';
import type { AppHooks } from '../hooks/app-hooks.js';

export type { RecordJson } from './record-codec.js';

export interface RecordContext {
  /**
   * The rules' AuthRecord (fields + collectionId + collectionName) as this request's authentication
   * read it from the database; null = guest. A relation to it is taken as existing without a read.
   */
  auth: AuthRecord | null;
  isSuperuser: boolean;
  /** method, headers, query, context; the service fills `body` for write rules. */
  request: RequestInfo;
}

export interface ListOptions {
  page?: number;
  perPage?: number;
  sort?: string;
  filter?: string;
  expand?: string;
  skipTotal?: boolean;
}

export interface ListResult {
  page: number;
  perPage: number;
  totalItems: number;
  totalPages: number;
  items: RecordJson[];
}

export interface WriteResult {
  record: RecordJson;
  version: number;
}

export type RecordChangeAction = 'create' | 'update' | 'delete';
export interface RecordChange {
  action: RecordChangeAction;
  collection: Collection;
  /** The stored record, unshaped (hidden fields included); delete carries the pre-delete record. */
  record: RecordJson;
}
export type RecordChangeListener = (e: RecordChange) => void;

/** New files a write stored, heard INSIDE its transaction (a job enqueued here exists iff it commits). */
export interface StoredFilesEvent {
  collection: Collection;
  recordId: string;
  files: Array<{ field: string; name: string }>;
}
export type StoredFilesListener = (e: StoredFilesEvent) => void | Promise<void>;

/** Options of create/update/upsert; `files` are uploads for file fields (see record-files.ts). */
export interface WriteOptions {
  expand?: string;
  files?: readonly IncomingFile[];
  /**
   * The caller rolls its whole transaction back when this write fails and makes no query before
   * that (a batch): the write then needs no savepoint of its own, unless a hook could catch the
   * failure or query after it.
   */
  failureEndsTransaction?: boolean;
}

export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 1000;

const FAILED_CREATE = 'Failed to create record.';
const FAILED_UPDATE = 'Failed to update record.';

export class RecordService {
  readonly #db: Database;
  readonly #collections: CollectionService;
  readonly #reader: RecordReader;
  readonly #listeners = new Set<RecordChangeListener>();
  readonly #fileListeners = new Set<StoredFilesListener>();
  readonly #files: FileStore | undefined;
  /** Tables known to have `_version` (checked once per table name per process). */
  readonly #versioned = new Set<string>();
  /** ORDER BY text per (schema version, collection, superuser, sort): parsing a sort resolves paths. */
  readonly #sorts = new RuleCache<string>(1000);
  /** Record lifecycle hooks (docs/hooks.md), triggered by every write below. */
  readonly hooks: AppHooks;
  /** Runs `onRecordEnrich` over shaped records (handed out by `enricher()`). */
  readonly #enrich: Enricher = async (c, records, ctx) => {
    const hook = this.hooks.onRecordEnrich;
    for (let i = 0; i < records.length; i++) {
      const e = { collection: c, record: records[i] as RecordJson, context: ctx };
      await hook.trigger(e);
      records[i] = e.record;
    }
    return records;
  };

  constructor(deps: { db: Database; collections: CollectionService; rules?: RuleCache<PreparedRule | Error>; files?: FileStore; hooks?: AppHooks }) {
    this.#db = deps.db;
    this.hooks = deps.hooks ?? deps.collections.hooks;
    this.#files = deps.files;
    this.#collections = deps.collections;
    this.#reader = new RecordReader(deps.db, deps.collections, deps.rules);
  }

  onChange(listener: RecordChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Hears, inside the write's transaction, which new files it stored (thumbnail jobs are enqueued here). */
  onFilesStored(listener: StoredFilesListener): () => void {
    this.#fileListeners.add(listener);
    return () => this.#fileListeners.delete(listener);
  }

  // --- reads ---------------------------------------------------------------------------------

  async list(collection: string, opts: ListOptions, ctx: RecordContext): Promise<ListResult> {
    const c = this.#collections.find(collection) ?? (await this.#collection(collection));
    guard(c.listRule, ctx);
    if (this.#needsVersion(c)) await this.#ensureVersion(c);
    const page = normalizeInt(opts.page, 1, 1);
    let perPage = normalizeInt(opts.perPage, DEFAULT_PER_PAGE, 1);
    if (perPage > MAX_PER_PAGE) perPage = MAX_PER_PAGE;
    const request = requestOf(ctx);

    const where: string[] = [];
    const params: SqlParam[] = [];
    if (!ctx.isSuperuser && c.listRule !== '' && c.listRule !== null) {
      const frag = this.#reader.ruleSql(c, c.listRule, request);
      where.push(frag.sql);
      params.push(...frag.params);
    }
    const filter = opts.filter?.trim() ?? '';
    if (filter !== '') {
      let prepared: PreparedRule;
      try {
        prepared = this.#reader.prepareFilter(c, filter, ctx.isSuperuser);
      } catch (err) {
        if (err instanceof RuleSyntaxError) throw invalidFilterError(err);
        throw err;
      }
      if (!ctx.isSuperuser && prepared.usesRequestOrCollection) throw apiError('forbidden', 'Only superusers can filter by @collection and @request.');
      let frag;
      try {
        frag = prepared.toSql({ dialect: this.#db.dialect, request });
      } catch (err) {
        if (err instanceof RuleSyntaxError) throw invalidFilterError(err);
        throw err;
      }
      where.push(frag.sql);
      params.push(...frag.params);
    }
    const sort = opts.sort?.trim() ?? '';
    if (!ctx.isSuperuser && /(^|[,\s+-])@(collection|request)\./.test(sort)) {
      throw apiError('forbidden', 'Only superusers can sort by @collection and @request.');
    }
    let orderBy: string;
    // no sort: insertion order (@rowid), the same on both engines; views have no rowid, so id
    const effective = sort !== '' ? sort : c.type === 'view' ? 'id' : '@rowid';
    const sortKey = RuleCache.key([this.#collections.version, c.id, ctx.isSuperuser, effective]);
    const cachedSort = this.#sorts.get(sortKey);
    if (cachedSort !== undefined) orderBy = cachedSort;
    else {
      try {
        orderBy = parseSort(effective, {
          collection: c, schema: this.#collections, dialect: this.#db.dialect, allowHiddenFields: ctx.isSuperuser,
        }).sql;
      } catch (err) {
        if (err instanceof RuleSyntaxError) throw invalidSortError(err);
        throw err;
      }
      // @random renders the same text each time; only the database's evaluation is random
      this.#sorts.set(sortKey, orderBy);
    }
    const orderSql = orderBy === '' ? '' : ` ORDER BY ${orderBy}`;

    const whereSql = where.length === 0 ? '' : where.map((w) => `(${w})`).join(' AND ');
    const s = collectionSql(c);
    let totalItems = -1;
    let totalPages = -1;
    if (opts.skipTotal !== true) {
      const row = await this.#db.get<{ n: unknown }>(`SELECT COUNT(*) AS "n" FROM ${s.table}${whereSql === '' ? '' : ` WHERE ${whereSql}`}`, params);
      totalItems = Number(row?.n ?? 0);
      totalPages = Math.ceil(totalItems / perPage);
    }
    const offset = (page - 1) * perPage;
    const rows = await this.#reader.select(c, whereSql, [...params, perPage, offset], `${orderSql} LIMIT ? OFFSET ?`);
    const items = await this.#output(c, rows.map((r) => r.record), ctx, opts.expand);
    return { page, perPage, totalItems, totalPages, items };
  }

  /**
   * Not async: the common case (a cached collection, no expand, nothing to look up for the shape)
   * is one promise, the read's. Each async layer of the old chain cost a promise and a microtask
   * turn on the busiest read there is.
   */
  view(collection: string, id: string, opts: { expand?: string }, ctx: RecordContext): Promise<WriteResult> {
    const c = this.#collections.find(collection);
    if (c === undefined || this.#needsVersion(c)) return this.#viewLoading(collection, id, opts, ctx);
    try {
      return this.#viewOf(c, id, opts, ctx);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** `view` for a collection this node has not loaded yet, or whose table's version column is unchecked. */
  async #viewLoading(collection: string, id: string, opts: { expand?: string }, ctx: RecordContext): Promise<WriteResult> {
    const c = this.#collections.find(collection) ?? (await this.#collection(collection));
    guard(c.viewRule, ctx);
    if (this.#needsVersion(c)) await this.#ensureVersion(c);
    return this.#viewOf(c, id, opts, ctx);
  }

  /** May throw instead of rejecting. */
  #viewOf(c: Collection, id: string, opts: { expand?: string }, ctx: RecordContext): Promise<WriteResult> {
    guard(c.viewRule, ctx);
    return this.#findOne(c, id, ctx.isSuperuser ? null : c.viewRule, requestOf(ctx), false).then((found) => {
      if (found === undefined) throw apiError('not_found');
      const version = found.version;
      const now = opts.expand === undefined && this.hooks.onRecordEnrich.length === 0 ? shapeRecordsNow(c, [found.record], ctx) : undefined;
      if (now !== undefined) return { record: now[0] as RecordJson, version };
      return this.#output(c, [found.record], ctx, opts.expand).then(([record]) => ({ record: record as RecordJson, version }));
    });
  }

  /** A stored record shaped for a requester (with `expand` when asked), for auth responses and realtime. */
  shape(collection: Collection, record: RecordJson, ctx: RecordContext, opts: { expand?: string } = {}): Promise<RecordJson> {
    // Shaping copies the record; only a stored `expand` needs one of its own, without that key.
    const source = 'expand' in record ? withoutExpand(record) : record;
    try {
      const now = opts.expand === undefined && this.hooks.onRecordEnrich.length === 0 ? shapeRecordsNow(collection, [source], ctx) : undefined;
      if (now !== undefined) return Promise.resolve(now[0] as RecordJson);
      // #output adds `expand` to what it is given: never the caller's record.
      return this.#output(collection, [source === record ? { ...record } : source], ctx, opts.expand).then(([out]) => out as RecordJson);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  // --- writes --------------------------------------------------------------------------------

  async create(collection: string, body: Record<string, unknown>, opts: WriteOptions, ctx: RecordContext): Promise<WriteResult> {
    const c = await this.#writable(collection);
    guard(c.createRule, ctx);
    if (this.#needsVersion(c)) await this.#ensureVersion(c);
    const files = await prepareFileChanges(this.#files, c, body, opts.files);
    holdUploadsUntilCommit(files);
    try {
      return await this.#create(c, files, opts, ctx);
    } catch (err) {
      await files.discard();
      if (this.hooks.onRecordAfterCreateError.length > 0) {
        const { password: _p, passwordConfirm: _pc, ...rest } = files.body;
        await this.hooks.onRecordAfterCreateError.trigger({ collection: c, record: { collectionId: c.id, collectionName: c.name, ...rest }, context: ctx, error: err });
      }
      throw err;
    }
  }

  async #create(c: Collection, files: RecordFileChanges, opts: WriteOptions, ctx: RecordContext): Promise<WriteResult> {
    const body = files.body;
    const request: RequestInfo = { ...ctx.request, auth: ctx.auth, body };
    const zero: RecordJson = { collectionId: c.id, collectionName: c.name };
    for (const f of c.fields) zero[f.name] = zeroValue(f);
    const { record, errors } = applyBody(c, zero, body, true);

    const now = nowDatetime();
    for (const f of c.fields) {
      if (f.type === 'autodate' && f.onCreate) record[f.name] = now;
      else if (f.type === 'text' && f.autogeneratePattern !== '' && record[f.name] === '' && !(c.type === 'auth' && f.name === 'tokenKey')) {
        record[f.name] = f.primaryKey ? generateId(f.autogeneratePattern) : generateFromPattern(f.autogeneratePattern);
      }
    }
    if (record.id === '' || record.id === undefined) record.id = randomRecordId();
    files.target(c.id, String(record.id));

    let plainPassword: string | undefined;
    if (c.type === 'auth') {
      plainPassword = await applyAuthBody({ collection: c, body, record, isSuperuser: ctx.isSuperuser, isManager: ctx.isSuperuser, errors });
    }
    files.check(c, record, null, errors);
    if (this.hooks.onRecordValidate.length === 0) this.#validate(c, record, errors);
    else await this.hooks.onRecordValidate.trigger(validateEvent({ collection: c, record, context: ctx }, errors), () => this.#validate(c, record, errors));
    await this.#checkRelations(c, record, null, errors, ctx);
    if (!errors.empty) throw validationError(errors.toData(), FAILED_CREATE);
    if (plainPassword !== undefined) record.password = await hashPassword(plainPassword);
    if (files.hasUploads) await files.store(record);

    const s = collectionSql(c);
    const hooks = this.hooks;
    const insert = async (tx: Transaction, own: boolean): Promise<void> => {
      const params = c.fields.map((f) => encodeValue(f, record[f.name]));
      const mapError = (err: unknown): unknown => uniqueViolation(c, err, FAILED_CREATE) ?? err;
      // PocketBase's approach: the would-be record is inserted, then the rule is checked with SQL
      // (so relation paths and @collection work); failing it rolls the insert back. The in-memory
      // matcher gives the SQL back-end's answer (a property test holds them together) without the
      // query when the rule reads only the request and the record's own fields.
      const rule = ctx.isSuperuser || c.createRule === '' ? null : c.createRule;
      const decided = rule === null ? true : this.#reader.matchRule(c, rule, record, request);
      if (decided === true && own && hooks.onRecordCreate.length === 0 && !files.hasUploads) {
        // Nothing below reads the database: the INSERT goes out with the COMMIT behind it.
        tx.runLast(s.insert, params, mapError);
      } else {
        try {
          await runOneWrite(tx, s.insert, params, hooks.onRecordCreate.length > 0);
        } catch (err) {
          throw mapError(err);
        }
        const ok = decided === 'undecided' && rule !== null ? (await this.#findOne(c, String(record.id), rule, request, false)) !== undefined : decided;
        if (!ok) throw apiError('bad_request', FAILED_CREATE);
      }
      await this.#settleFiles(tx, files, c, record, null);
      this.#emitAfterCommit(tx, 'create', c, record);
      if (hooks.onRecordAfterCreateSuccess.length > 0) tx.afterCommit(() => hooks.onRecordAfterCreateSuccess.trigger({ collection: c, record, context: ctx }));
    };
    // Without handlers the chain is just its default action: no event object, no extra async frame.
    const hooked = hooks.onRecordCreate.length > 0 || hooks.onRecordAfterCreateError.length > 0;
    await this.#transaction(opts, hooked, async (tx, own) => hooks.onRecordCreate.length === 0 ? insert(tx, own) : hooks.onRecordCreate.trigger({ collection: c, record, context: ctx, tx }, () => insert(tx, own)));
    const [out] = await this.#output(c, [record], ctx, opts.expand);
    return { record: out as RecordJson, version: 1 };
  }

  async update(collection: string, id: string, body: Record<string, unknown>, opts: WriteOptions & { ifMatch?: number }, ctx: RecordContext): Promise<WriteResult> {
    const c = await this.#writable(collection);
    guard(c.updateRule, ctx);
    if (this.#needsVersion(c)) await this.#ensureVersion(c);
    const files = await prepareFileChanges(this.#files, c, body, opts.files);
    files.target(c.id, id);
    holdUploadsUntilCommit(files);
    try {
      // Stored before the transaction (no I/O while holding the writer); the final value decides what stays.
      await files.store();
      return await this.#update(c, id, files, opts, ctx);
    } catch (err) {
      await files.discard();
      throw err;
    }
  }

  async #update(c: Collection, id: string, files: RecordFileChanges, opts: WriteOptions & { ifMatch?: number }, ctx: RecordContext): Promise<WriteResult> {
    const body = files.body;
    const request: RequestInfo = { ...ctx.request, auth: ctx.auth, body };
    const s = collectionSql(c);
    // Hashed outside the transaction so the writer is not held for an argon2id run (see prevalidatedPassword).
    const early = prevalidatedPassword(c, body);
    const earlyHash = early === undefined ? undefined : await hashPassword(early);
    const hooks = this.hooks;
    if (this.#canUpdateUnlocked(c, files, opts)) {
      const changes = inPlaceChanges(c, body);
      const done = changes === undefined ? await this.#updateUnlocked(c, id, body, opts, ctx, request) : await this.#updateInPlace(c, id, changes, opts, ctx, request);
      if (done !== undefined) {
        const [out] = await this.#output(c, [done.record], ctx, opts.expand);
        return { record: out as RecordJson, version: done.version };
      }
    }
    const hooked = hooks.onRecordUpdate.length > 0 || hooks.onRecordAfterUpdateError.length > 0;
    const result = await this.#transaction(opts, hooked, async (tx, own) => {
      const found = await this.#findOne(c, id, ctx.isSuperuser ? null : c.updateRule, request, true);
      if (found === undefined) throw apiError('not_found');
      const { current, record, errors } = updatedRecord(c, found, body, opts);
      let plainPassword: string | undefined;
      if (c.type === 'auth') {
        const isManager = ctx.isSuperuser || (await managedIds(this.#reader, c, [current], ctx)).has(String(current.id));
        plainPassword = await applyAuthBody({ collection: c, body, record, current, isSuperuser: ctx.isSuperuser, isManager, errors });
      }
      files.check(c, record, current, errors);
      if (this.hooks.onRecordValidate.length === 0) this.#validate(c, record, errors);
      else await this.hooks.onRecordValidate.trigger(validateEvent({ collection: c, record, context: ctx, original: current }, errors), () => this.#validate(c, record, errors));
      await this.#checkRelations(c, record, current, errors, ctx);
      if (!errors.empty) throw validationError(errors.toData(), FAILED_UPDATE);
      if (plainPassword !== undefined) {
        record.password = plainPassword === early && earlyHash !== undefined ? earlyHash : await hashPassword(plainPassword);
      }
      const write = async (): Promise<void> => {
        const params = updateParams(c, record, current);
        const mapError = (err: unknown): unknown => uniqueViolation(c, err, FAILED_UPDATE) ?? err;
        // Nothing below reads the database: the UPDATE goes out with the COMMIT behind it.
        if (own && hooks.onRecordUpdate.length === 0 && !files.hasUploads) tx.runLast(s.update, params, mapError);
        else {
          try {
            await runOneWrite(tx, s.update, params, hooks.onRecordUpdate.length > 0);
          } catch (err) {
            throw mapError(err);
          }
        }
        await this.#settleFiles(tx, files, c, record, current);
        this.#emitAfterCommit(tx, 'update', c, record);
        if (hooks.onRecordAfterUpdateSuccess.length > 0) tx.afterCommit(() => hooks.onRecordAfterUpdateSuccess.trigger({ collection: c, record, context: ctx }));
      };
      if (hooks.onRecordUpdate.length === 0) await write();
      else await hooks.onRecordUpdate.trigger({ collection: c, record, context: ctx, tx, original: current }, write);
      return { record, version: found.version + 1 };
    }).catch(async (error: unknown) => {
      await hooks.onRecordAfterUpdateError.trigger({ collection: c, record: { collectionId: c.id, collectionName: c.name, id }, context: ctx, error });
      throw error;
    });
    const [out] = await this.#output(c, [result.record], ctx, opts.expand);
    return { record: out as RecordJson, version: result.version };
  }

  /**
   * Whether an update may take a short path instead of the locking one (`#updateInPlace`, or
   * `#updateUnlocked` for bodies that read the stored values): PostgreSQL, a base collection
   * without file fields, no upload, outside any transaction, and no hook that runs inside an
   * update or around its outcome.
   */
  #canUpdateUnlocked(c: Collection, files: RecordFileChanges, opts: WriteOptions): boolean {
    const h = this.hooks;
    return (
      this.#db.dialect === 'postgres' && c.type === 'base' && !hasFileFields(c) && !files.hasUploads &&
      opts.failureEndsTransaction !== true && this.#db.currentTransaction() === undefined &&
      h.onRecordUpdate.length === 0 && h.onRecordValidate.length === 0 &&
      h.onRecordAfterUpdateSuccess.length === 0 && h.onRecordAfterUpdateError.length === 0
    );
  }

  /** The update rule as a WHERE fragment for the short paths (empty for superusers and an open rule). */
  #updateRuleSql(c: Collection, ctx: RecordContext, request: RequestInfo): SqlFragment {
    const rule = ctx.isSuperuser ? null : c.updateRule;
    return rule === null || rule === '' ? NO_RULE : this.#reader.ruleSql(c, rule, request);
  }

  /**
   * An update as two statements: the record is read without a lock, and written by one
   * autocommitted UPDATE that applies only while the row is still the version read (its `xmin`,
   * which every change to a row renews, raw SQL's included). The locking path is BEGIN, SELECT
   * FOR UPDATE, UPDATE and COMMIT, and its row lock is itself a write. Undefined when the row
   * changed in between: the caller then takes the locking path, which reads it again.
   */
  async #updateUnlocked(c: Collection, id: string, body: Record<string, unknown>, opts: { ifMatch?: number }, ctx: RecordContext, request: RequestInfo): Promise<{ record: RecordJson; version: number } | undefined> {
    const frag = this.#updateRuleSql(c, ctx, request);
    const found = await this.#reader.selectOneWithRowVersion(c, frag.sql, [id, ...frag.params]);
    if (found === undefined) throw apiError('not_found');
    const { current, record, errors } = updatedRecord(c, found, body, opts);
    this.#validate(c, record, errors);
    await this.#checkRelations(c, record, current, errors, ctx);
    if (!errors.empty) throw validationError(errors.toData(), FAILED_UPDATE);
    const params = updateParams(c, record, current);
    params.push(found.rowVersion);
    let changes: number;
    try {
      changes = (await this.#db.run(collectionSql(c).updateIfRowVersion, params)).changes;
    } catch (err) {
      throw uniqueViolation(c, err, FAILED_UPDATE) ?? err;
    }
    if (changes === 0) return undefined;
    if (this.#listeners.size > 0) this.#notify('update', c, record);
    return { record, version: found.version + 1 };
  }

  /**
   * An update whose body does not depend on the record's current values (plain sets, number
   * modifiers): BEGIN and one `UPDATE ... WHERE id AND rule RETURNING` leave in one socket write,
   * the returned record is validated whole, then COMMIT. Anything in doubt (no row: missing,
   * denied or a stale If-Match; an invalid result; a relation id not found; a number out of
   * range) rolls back and answers undefined, and the caller's locking path decides the answer
   * with the exact error. No lock is held across more than the validation's round trip. Where SQL
   * can decide the record's validity, the statement carries it and commits alone instead
   * (`#updateValidInPlace`).
   */
  async #updateInPlace(c: Collection, id: string, changes: InPlaceChanges, opts: { ifMatch?: number }, ctx: RecordContext, request: RequestInfo): Promise<{ record: RecordJson; version: number } | undefined> {
    const frag = this.#updateRuleSql(c, ctx, request);
    const errors = new ErrorTree();
    const relations: RecordJson = {};
    for (const [f, value] of changes.set) if (f.type === 'relation') relations[f.name] = value;
    // Every id is checked, also those the record already holds, which the locking path skips (a
    // target deleted since stays valid there): a missing one goes that way for its answer.
    await this.#checkRelations(c, relations, null, errors, ctx);
    if (!errors.empty) return undefined;
    const valid = validityCondition(c, changes);
    if (valid !== undefined && knownValuesValid(c, id, changes)) return this.#updateValidInPlace(c, id, changes, opts, frag, valid);
    let written: DecodedRow;
    try {
      written = await this.#db.transaction(async () => {
        const row = await this.#reader.updateInPlace(c, id, changes, nowDatetime(), frag, opts.ifMatch);
        if (row === undefined) throw NOT_IN_PLACE;
        this.#validate(c, row.record, errors);
        if (!errors.empty) throw NOT_IN_PLACE;
        return row;
      });
    } catch (err) {
      if (err === NOT_IN_PLACE || dbErrorKind(err) === 'out_of_range') return undefined;
      throw uniqueViolation(c, err, FAILED_UPDATE) ?? err;
    }
    if (this.#listeners.size > 0) this.#notify('update', c, written.record);
    return written;
  }

  /**
   * `#updateInPlace` for a collection whose validity SQL can decide (validity-sql.ts): the
   * statement carries the condition and commits alone, one round trip. No row (missing, denied, a
   * stale If-Match, or a record the condition refuses) answers undefined, and the locking path
   * decides, with the exact error where there is one.
   */
  async #updateValidInPlace(c: Collection, id: string, changes: InPlaceChanges, opts: { ifMatch?: number }, rule: SqlFragment, valid: ValidityCondition): Promise<DecodedRow | undefined> {
    let written: DecodedRow | undefined;
    try {
      written = await this.#reader.updateInPlace(c, id, changes, nowDatetime(), rule, opts.ifMatch, valid);
    } catch (err) {
      if (dbErrorKind(err) === 'out_of_range') return undefined;
      throw uniqueViolation(c, err, FAILED_UPDATE) ?? err;
    }
    if (written !== undefined && this.#listeners.size > 0) this.#notify('update', c, written.record);
    return written;
  }

  async delete(collection: string, id: string, opts: { ifMatch?: number }, ctx: RecordContext): Promise<void> {
    const c = await this.#writable(collection);
    guard(c.deleteRule, ctx);
    if (this.#needsVersion(c)) await this.#ensureVersion(c);
    const hooks = this.hooks;
    await this.#db.transaction(async (tx) => {
      const found = await this.#findOne(c, id, ctx.isSuperuser ? null : c.deleteRule, requestOf(ctx), true);
      if (found === undefined) throw apiError('not_found');
      if (opts.ifMatch !== undefined && opts.ifMatch !== found.version) throw apiError('precondition_failed');
      const record = found.record;
      await hooks.onRecordDelete.trigger({ collection: c, record, context: ctx, tx }, async () => {
        await deleteReferences(tx, this.#collections, c, [String(record.id)], (oc, rec, action) => this.#emitAfterCommit(tx, action, oc, rec));
        await tx.run(`DELETE FROM ${quoteIdent(c.name)} WHERE "id" = ?`, [String(record.id)]);
        this.#emitAfterCommit(tx, 'delete', c, record);
        if (hooks.onRecordAfterDeleteSuccess.length > 0) tx.afterCommit(() => hooks.onRecordAfterDeleteSuccess.trigger({ collection: c, record, context: ctx }));
      });
    }).catch(async (error: unknown) => {
      await hooks.onRecordAfterDeleteError.trigger({ collection: c, record: { collectionId: c.id, collectionName: c.name, id }, context: ctx, error });
      throw error;
    });
  }

  /** Batch PUT: update when `body.id` names an existing record, else create. */
  async upsert(collection: string, body: Record<string, unknown>, opts: WriteOptions, ctx: RecordContext): Promise<WriteResult> {
    const c = await this.#writable(collection);
    const id = typeof body.id === 'string' ? body.id : '';
    if (id !== '') {
      const exists = await this.#db.get(`SELECT 1 AS "x" FROM ${quoteIdent(c.name)} WHERE "id" = ?`, [id]);
      if (exists !== undefined) {
        const rest = { ...body };
        delete rest.id;
        return this.update(c.id, id, rest, opts, ctx);
      }
    }
    return this.create(c.id, body, opts, ctx);
  }

  // --- helpers -------------------------------------------------------------------------------

  /**
   * A collection reloaded from the database, for a name the cache does not know. Callers look in
   * the cache first (`this.#collections.find(name) ?? await this.#collection(name)`): the common
   * case then costs no await.
   */
  async #collection(nameOrId: string): Promise<Collection> {
    const c = await this.#collections.findFresh(nameOrId);
    if (c === undefined) throw apiError('collection_not_found');
    return c;
  }

  async #writable(nameOrId: string): Promise<Collection> {
    const c = this.#collections.find(nameOrId) ?? (await this.#collection(nameOrId));
    if (c.type === 'view') throw apiError('view_readonly');
    return c;
  }

  /**
   * The write's own transaction, or, nested in a caller's that ends on any failure
   * (`failureEndsTransaction`) with no hook to catch one, that transaction itself: its savepoint's
   * SAVEPOINT/RELEASE were a round trip per record of a batch on PostgreSQL.
   */
  #transaction<T>(opts: WriteOptions, hooked: boolean, fn: (tx: Transaction, own: boolean) => Promise<T>): Promise<T> {
    const outer = opts.failureEndsTransaction === true && !hooked ? this.#db.currentTransaction() : undefined;
    // `own`: the write's own transaction (or savepoint), which ends with it: it may `runLast`.
    return outer === undefined ? this.#db.transaction((tx) => fn(tx, true)) : fn(outer, false);
  }

  /**
   * Whether `c`'s table has not had its `_version` column checked yet (once per table per process).
   * Asked before `#ensureVersion` so the common case costs no await on the request path.
   */
  #needsVersion(c: Collection): boolean {
    return c.type !== 'view' && !this.#versioned.has(c.name);
  }

  async #ensureVersion(c: Collection): Promise<void> {
    await ensureVersionColumn(this.#db, c.name);
    this.#versioned.add(c.name);
  }

  /** The record `id` of `c`, if it exists and matches `rule` (null = no rule). May throw instead of rejecting. */
  #findOne(c: Collection, id: string, rule: string | null, request: RequestInfo, forUpdate: boolean) {
    if (rule === null || rule === '') return this.#reader.selectOne(c, this.#reader.byIdSql(c, '', forUpdate), [id]);
    const frag = this.#reader.ruleSql(c, rule, request);
    return this.#reader.selectOne(c, this.#reader.byIdSql(c, frag.sql, forUpdate), [id, ...frag.params]);
  }

  #validate(c: Collection, record: RecordJson, errors: ErrorTree): void {
    for (const f of c.fields) {
      const e = validateValue(f, record[f.name]);
      if (e !== undefined) errors.add([f.name], e);
    }
  }

  /** Relation ids must exist in the target collection (one query per relation field that changed). */
  async #checkRelations(c: Collection, record: RecordJson, current: RecordJson | null, errors: ErrorTree, ctx: RecordContext): Promise<void> {
    for (const f of c.fields) {
      if (f.type !== 'relation') continue;
      let ids = idsOf(record[f.name]);
      if (ids.length === 0) continue;
      if (current !== null && JSON.stringify(current[f.name]) === JSON.stringify(record[f.name])) continue;
      const target = this.#collections.find(f.collectionId);
      if (target === undefined) {
        errors.add([f.name], { code: 'validation_missing_rel_records', message: 'Failed to find all relation records with the provided ids.' });
        continue;
      }
      // The requester's own record was read by this request's authentication, as outside the
      // write's transaction as this check: `owner = me` needs no second read.
      const self = ctx.auth !== null && ctx.auth.collectionId === target.id ? ctx.auth.id : undefined;
      if (self !== undefined) ids = ids.filter((id) => id !== self);
      if (ids.length === 0) continue;
      const rows = await this.#db.all<{ id: string }>(idsExistSql(target, ids.length), ids);
      if (rows.length !== ids.length) {
        errors.add([f.name], { code: 'validation_missing_rel_records', message: 'Failed to find all relation records with the provided ids.' });
      }
    }
  }

  async #output(c: Collection, records: RecordJson[], ctx: RecordContext, expand: string | undefined): Promise<RecordJson[]> {
    const tree = parseExpand(expand);
    const enrich = this.enricher();
    // Expanded records are enriched as they are loaded, so before the records they hang under.
    if (tree.size > 0) await expandRecords(this.#reader, c, records, tree, ctx, enrich);
    return shapeAndEnrich(this.#reader, c, records, ctx, enrich);
  }

  /**
   * The `onRecordEnrich` runner for records shaped for a requester (also GraphQL's relations), or
   * undefined while no handler is bound: asked once per answer, so an unhooked answer costs one
   * length check and no event per record.
   */
  enricher(): Enricher | undefined {
    return this.hooks.onRecordEnrich.length === 0 ? undefined : this.#enrich;
  }

  /** Old and unused files go after the commit; listeners hear about the new ones. */
  async #settleFiles(tx: Transaction, files: RecordFileChanges, c: Collection, record: RecordJson, current: RecordJson | null): Promise<void> {
    if (!files.hasUploads && current === null) return;
    files.settle(tx, c, String(record.id), record, current);
    const stored = files.stored(record);
    if (stored.length === 0) return;
    for (const l of [...this.#fileListeners]) await l({ collection: c, recordId: String(record.id), files: stored });
  }

  /**
   * For a write made beside this service (a guarded `increment` in a transaction): after the
   * commit, reads the row and tells the change listeners (realtime) as an update made here does.
   * The read is after the commit so the write's row lock is not held longer; the event carries the
   * row as it is then (a later increment's value at worst, which publishes its own event). No hooks run.
   */
  emitUpdated(tx: Transaction, c: Collection, id: string): void {
    if (this.#listeners.size === 0) return;
    tx.afterCommit(async () => {
      const found = await this.#findOne(c, id, null, { auth: null }, false);
      if (found !== undefined) this.#notify('update', c, found.record);
    });
  }

  #emitAfterCommit(tx: Transaction, action: RecordChangeAction, collection: Collection, record: RecordJson): void {
    // A deleted record's files (thumbnails included) go after the commit; cascaded deletes come here too.
    if (action === 'delete' && this.#files !== undefined && hasFileFields(collection)) {
      const store = this.#files;
      tx.afterCommit(() => deleteRecordFolder(store, collection.id, String(record.id)));
    }
    if (this.#listeners.size === 0) return;
    tx.afterCommit(() => this.#notify(action, collection, record));
  }

  #notify(action: RecordChangeAction, collection: Collection, record: RecordJson): void {
    for (const l of [...this.#listeners]) {
      try {
        l({ action, collection, record });
      } catch {
        // a listener (realtime) failing must not affect the committed write or other listeners
      }
    }
  }
}

/**
 * One INSERT/UPDATE that must leave the transaction usable when it fails and a hook wrapping it
 * catches the unique violation and goes on. PostgreSQL aborts the whole transaction on a failed
 * statement, so there, with such a hook bound, it runs in a savepoint. Without one the error leaves
 * the write's own `transaction()`, which rolls back (or, nested, rolls back to its savepoint) anyway.
 * SQLite backs out just the failed statement (the ABORT conflict resolution of our tables). The
 * savepoint's SAVEPOINT/RELEASE were a third of a create's statements, and a round trip.
 */
function runOneWrite(tx: Transaction, sql: string, params: SqlParam[], hooked: boolean): Promise<unknown> {
  return tx.dialect === 'sqlite' || !hooked ? tx.run(sql, params) : tx.savepoint((sp) => sp.run(sql, params));
}

function withoutExpand(record: RecordJson): RecordJson {
  const copy: RecordJson = {};
  for (const key in record) if (key !== 'expand') copy[key] = record[key];
  return copy;
}

/** Thrown inside `#updateInPlace`'s transaction to roll it back and take the locking path. */
const NOT_IN_PLACE = Symbol('not in place');
const NO_RULE: SqlFragment = { sql: '', params: [] };

/** The parameters of `collectionSql(c).update`: every field but `id`, then the record's id. */
function updateParams(c: Collection, record: RecordJson, current: RecordJson): SqlParam[] {
  const params: SqlParam[] = [];
  for (const f of c.fields) if (f.name !== 'id') params.push(encodeValue(f, record[f.name]));
  params.push(String(current.id));
  return params;
}

/** The record an update makes of the row it read (412 on a stale If-Match), not validated yet. */
function updatedRecord(c: Collection, found: DecodedRow, body: Record<string, unknown>, opts: { ifMatch?: number }) {
  if (opts.ifMatch !== undefined && opts.ifMatch !== found.version) throw apiError('precondition_failed');
  const current = found.record;
  const { record, errors } = applyBody(c, current, body, false);
  const now = nowDatetime();
  for (const f of c.fields) if (f.type === 'autodate' && f.onUpdate) record[f.name] = now;
  return { current, record, errors };
}

function guard(rule: string | null, ctx: RecordContext): void {
  if (rule === null && !ctx.isSuperuser) throw apiError('superuser_only');
}

function requestOf(ctx: RecordContext): RequestInfo {
  return { ...ctx.request, auth: ctx.auth };
}

function normalizeInt(value: number | undefined, fallback: number, min: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  const n = Math.trunc(value);
  return n < min ? fallback : n;
}

function idsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' && value !== '' ? [value] : [];
}

const idsExistTexts = new WeakMap<Collection, string[]>();

/** The relation check's SELECT, the same string object per (target, id count) so the statement cache finds it unhashed. */
function idsExistSql(target: Collection, n: number): string {
  let texts = idsExistTexts.get(target);
  if (texts === undefined) {
    texts = [];
    idsExistTexts.set(target, texts);
  }
  const cached = texts[n];
  if (cached !== undefined) return cached;
  const sql = `SELECT "id" FROM ${quoteIdent(target.name)} WHERE "id" IN (${Array.from({ length: n }, () => '?').join(', ')})`;
  if (n <= 100) texts[n] = sql;
  return sql;
}

function generateId(pattern: string): string {
  return generateFromPattern(pattern);
}
