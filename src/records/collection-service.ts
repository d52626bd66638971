import { apiError, fieldError, isApiError, validationError, type ErrorData } from '../core/errors.js';
import type { Collection } from '../core/schema.js';
import type { Database, Transaction } from '../db/database.js';
import { defaultAfterCommitErrorHandler } from '../db/after-commit.js';
import type { Hook } from '../core/hook.js';
import { AppHooks } from '../hooks/app-hooks.js';
import type { CollectionAfterErrorEvent, CollectionEvent } from '../hooks/app-hooks.js';
import { bootstrapSystemTables } from './bootstrap-system-tables.js';
import { listCollections, type CollectionListOptions } from './collection-list.js';
import { normalizeCollection } from './collection-normalizer.js';
import { COLLECTION_COLUMNS, collectionToParams, rowToCollection } from './collection-row.js';
import { publicCollection } from './public-collection.js';
import { createRecordTable, createViews, dropRecordTable, dropViews, syncRecordTable } from './record-table-sync.js';
import { scaffoldCollections } from './scaffolds.js';
import { superusersInput, usersInput } from './system-collections.js';
import { analyzeViewQuery, renameCollectionInViewQuery } from './view-query.js';

/**
 * Collections: validated, stored in `_collections`, mirrored as record tables or views, cached in
 * memory. Every change runs its DDL and the `_collections` write in one transaction; changes are
 * queued so this node never normalises against a stale cache. Listeners run after commit (the app
 * broadcasts to other nodes, which call `reload()`).
 */

export type CollectionChangeAction = 'create' | 'update' | 'delete';
export interface CollectionChange {
  action: CollectionChangeAction;
  before?: Collection;
  after?: Collection;
}
export type CollectionChangeListener = (e: CollectionChange) => void | Promise<void>;

/** A truncate about to delete every record of `collection`, heard inside its transaction. */
export interface TruncateEvent {
  collection: Collection;
  tx: Transaction;
  /** The ids of the records the truncate deletes (read on demand: a large table is not listed for nothing). */
  recordIds(): Promise<string[]>;
}
/** One collection an import changes, in the order its hooks ran. */
interface ImportStep {
  action: CollectionChangeAction;
  collection: Collection;
  original?: Collection;
}

/** The steps in the order the import writes them: the deletes, then the creates and updates. */
function writeOrder(steps: readonly ImportStep[]): ImportStep[] {
  return [...steps.filter((s) => s.action === 'delete'), ...steps.filter((s) => s.action !== 'delete')];
}

/** A step's event, with no `original` key on create and delete (as the single-collection paths send it). */
function stepEvent(step: ImportStep): CollectionEvent {
  return step.original ? { collection: step.collection, original: step.original } : { collection: step.collection };
}

export type TruncateListener = (e: TruncateEvent) => void | Promise<void>;

const INSERT_SQL = `INSERT INTO "_collections" (${COLLECTION_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${COLLECTION_COLUMNS.map(() => '?').join(', ')})`;
const UPDATE_SQL = `UPDATE "_collections" SET ${COLLECTION_COLUMNS.slice(1).map((c) => `"${c}" = ?`).join(', ')} WHERE "id" = ?`;

/** PocketBase's datetime text: `2024-11-10 18:45:27.123Z`. */
function nowText(): string {
  return new Date().toISOString().replace('T', ' ');
}

/**
 * `now`, or 1 ms past `latest` when the clock has not moved past it: every schema write raises
 * the latest `updated`, which is what `refresh()` compares. Two changes in one millisecond (a
 * create and an update on a fast machine) left it unchanged, and another node's refresh missed
 * the second.
 */
export function laterStamp(now: string, latest: string): string {
  if (now > latest) return now;
  const t = Date.parse(latest.replace(' ', 'T'));
  return Number.isNaN(t) ? now : new Date(t + 1).toISOString().replace('T', ' ');
}

function updateParams(c: Collection) {
  const [id, ...rest] = collectionToParams(c);
  return [...rest, id ?? null];
}

export class CollectionService {
  readonly #db: Database;
  #byId = new Map<string, Collection>();
  #byName = new Map<string, Collection>();
  #ordered: Collection[] = [];
  #version = 0;
  #loaded = false;
  #listeners = new Set<CollectionChangeListener>();
  #truncateListeners = new Set<TruncateListener>();
  #queue: Promise<unknown> = Promise.resolve();
  #refreshing: Promise<boolean> | undefined;
  /**
   * The app's hook chains (docs/hooks.md); the collection lifecycle hooks fire here, and
   * RecordService shares the same object unless given another.
   */
  readonly hooks = new AppHooks();

  constructor(db: Database) {
    this.#db = db;
  }

  /** Increments on every change and reload; the key for caches derived from the schema. */
  get version(): number {
    return this.#version;
  }

  async load(): Promise<void> {
    await bootstrapSystemTables(this.#db);
    await this.#read();
    this.#loaded = true;
  }

  reload(): Promise<void> {
    return this.#serial(() => this.#read());
  }

  async #read(): Promise<void> {
    const rows = await this.#db.all(`SELECT * FROM "_collections" ORDER BY "created", "id"`);
    this.#setCache(rows.map(rowToCollection));
  }

  #setCache(list: Collection[]): void {
    this.#ordered = list;
    this.#byId = new Map(list.map((c) => [c.id, c]));
    this.#byName = new Map(list.map((c) => [c.name.toLowerCase(), c]));
    this.#version++;
  }

  /**
   * Reloads when `_collections` differs from the cache (row count or latest `updated`), for
   * read-after-write across nodes: the pub/sub invalidation is asynchronous, so a request that
   * must see another node's change this instant calls this first (one small query). True when
   * it reloaded.
   */
  refresh(): Promise<boolean> {
    this.#refreshing ??= (async () => {
      try {
        const row = await this.#db.get<{ n: unknown; u: unknown }>(`SELECT COUNT(*) AS "n", MAX("updated") AS "u" FROM "_collections"`);
        const stored = `${Number(row?.n ?? 0)}|${String(row?.u ?? '')}`;
        if (stored === this.#fingerprint()) return false;
        await this.reload();
        return true;
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  /** `find`, and on a miss `refresh()` then `find` again: a collection just created on another node is found. */
  async findFresh(nameOrId: string): Promise<Collection | undefined> {
    const hit = this.find(nameOrId);
    if (hit) return hit;
    return (await this.refresh()) ? this.find(nameOrId) : undefined;
  }

  /** The `updated` of a schema write (see laterStamp); the latest is read from the table, which other nodes write too. */
  async #stamp(): Promise<string> {
    const row = await this.#db.get<{ u: unknown }>(`SELECT MAX("updated") AS "u" FROM "_collections"`);
    return laterStamp(nowText(), typeof row?.u === 'string' ? row.u : '');
  }

  #fingerprint(): string {
    let latest = '';
    for (const c of this.#ordered) if (c.updated > latest) latest = c.updated;
    return `${this.#ordered.length}|${latest}`;
  }

  find(nameOrId: string): Collection | undefined {
    return this.#byId.get(nameOrId) ?? this.#byName.get(nameOrId.toLowerCase());
  }

  all(): Collection[] {
    return [...this.#ordered];
  }

  list(opts: CollectionListOptions = {}): Collection[] {
    return listCollections(this.#ordered, opts);
  }

  /** Hears each truncate inside its transaction, before the DELETE (record files register their deletion here). */
  onTruncate(listener: TruncateListener): () => void {
    this.#truncateListeners.add(listener);
    return () => this.#truncateListeners.delete(listener);
  }

  onChange(listener: CollectionChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  scaffolds(): { base: Collection; auth: Collection; view: Collection } {
    const s = scaffoldCollections();
    return { base: publicCollection(s.base), auth: publicCollection(s.auth), view: publicCollection(s.view) };
  }

  create(input: unknown): Promise<Collection> {
    return this.#serial(() => this.#create(input, false));
  }

  update(nameOrId: string, input: unknown): Promise<Collection> {
    return this.#serial(async () => {
      const before = this.#require(nameOrId);
      const now = await this.#stamp();
      const hooks = this.hooks;
      let after: Collection | undefined;
      try {
        after = normalizeCollection(input, { existing: before, others: this.#others(before.id), now });
        const saving = after;
        await hooks.onCollectionValidate.trigger({ collection: saving, original: before });
        let next = this.#ordered.map((c) => (c.id === before.id ? saving : c));
        const rewritten = before.name === saving.name ? [] : this.#viewsAfterRename(next, before.name, saving.name, now);
        next = next.map((c) => rewritten.find((r) => r.after.id === c.id)?.after ?? c);
        await this.#db.transaction(async (tx) => hooks.onCollectionUpdate.trigger({ collection: saving, original: before, tx }, async () => {
          const views = this.#ordered.filter((c) => c.type === 'view');
          await dropViews(tx, views);
          if (saving.type !== 'view') await syncRecordTable(tx, before, saving);
          await tx.run(UPDATE_SQL, updateParams(saving));
          for (const r of rewritten) await tx.run(UPDATE_SQL, updateParams(r.after));
          await createViews(tx, next.filter((c) => c.type === 'view'), next, (v, message) => this.#viewError(v, saving, message));
        }));
        this.#setCache(next);
        await this.#emit({ action: 'update', before, after: saving });
        for (const r of rewritten) await this.#emit({ action: 'update', before: r.before, after: r.after });
      } catch (error) {
        // Input that does not normalise is refused before any hook, as on create.
        if (after !== undefined) await this.#afterError(hooks.onCollectionAfterUpdateError, after, error, before);
        throw error;
      }
      await this.#afterSuccess(hooks.onCollectionAfterUpdateSuccess, { collection: after, original: before });
      return after;
    });
  }

  delete(nameOrId: string): Promise<void> {
    return this.#serial(async () => {
      const c = this.#require(nameOrId);
      if (c.system) throw apiError('bad_request', 'System collections cannot be deleted.');
      const referencing = this.#ordered.filter((o) => o.id !== c.id && o.type !== 'view' &&
        o.fields.some((f) => f.type === 'relation' && f.collectionId === c.id));
      if (referencing.length > 0) {
        throw apiError('collection_in_use', `The collection is referenced by: ${referencing.map((o) => o.name).join(', ')}.`);
      }
      const next = this.#ordered.filter((o) => o.id !== c.id);
      const hooks = this.hooks;
      try {
        await this.#db.transaction(async (tx) => hooks.onCollectionDelete.trigger({ collection: c, tx }, async () => {
          await dropViews(tx, this.#ordered.filter((o) => o.type === 'view'));
          await this.#deleteStored(tx, c);
          await createViews(tx, next.filter((o) => o.type === 'view'), next, (v) =>
            apiError('collection_in_use', `The view collection ${v.name} depends on ${c.name}.`));
        }));
      } catch (error) {
        await this.#afterError(hooks.onCollectionAfterDeleteError, c, error);
        throw error;
      }
      this.#setCache(next);
      await this.#emit({ action: 'delete', before: c });
      await this.#afterSuccess(hooks.onCollectionAfterDeleteSuccess, { collection: c });
    });
  }

  truncate(nameOrId: string): Promise<void> {
    return this.#serial(async () => {
      const c = this.#require(nameOrId);
      if (c.type === 'view') throw apiError('view_readonly');
      const table = `"${c.name.replaceAll('"', '""')}"`;
      await this.#db.transaction(async (tx) => {
        const recordIds = async (): Promise<string[]> => (await tx.all<{ id: unknown }>(`SELECT "id" FROM ${table}`)).map((r) => String(r.id));
        for (const listener of [...this.#truncateListeners]) await listener({ collection: c, tx, recordIds });
        await tx.run(`DELETE FROM ${table}`);
      });
    });
  }

  import(list: unknown[], deleteMissing: boolean): Promise<void> {
    return this.#serial(async () => {
      if (!Array.isArray(list)) throw validationError({ collections: fieldError('validation_invalid_type') });
      const now = await this.#stamp();
      // stubs of every imported collection let relations point forward in the list
      const stubs: Collection[] = list.flatMap((raw) => {
        if (typeof raw !== 'object' || raw === null) return [];
        const r = raw as Record<string, unknown>;
        return typeof r.id === 'string' && r.id !== '' && !this.#byId.has(r.id)
          ? [{ id: r.id, name: String(r.name ?? ''), type: 'base', system: false, fields: [], indexes: [],
            listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null, created: '', updated: '' } satisfies Collection]
          : [];
      });
      let working = [...this.#ordered];
      const changes: Array<{ before?: Collection; after: Collection }> = [];
      const errors: ErrorData = {};
      for (const [i, raw] of list.entries()) {
        const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
        const existing = (typeof r.id === 'string' && working.find((c) => c.id === r.id)) ||
          (typeof r.name === 'string' && working.find((c) => c.name.toLowerCase() === String(r.name).toLowerCase())) || undefined;
        const others = [...working.filter((c) => c.id !== existing?.id),
          ...stubs.filter((s) => s.id !== r.id && !working.some((c) => c.id === s.id))];
        try {
          const after = normalizeCollection(raw, { existing, others, now, allowSystem: existing?.system === true });
          working = existing ? working.map((c) => (c.id === existing.id ? after : c)) : [...working, after];
          changes.push({ before: existing, after });
        } catch (err) {
          if (!isApiError(err)) throw err;
          errors[String(i)] = err.data;
        }
      }
      if (Object.keys(errors).length > 0) throw validationError({ collections: errors }, 'Failed to import the collections configuration.');
      const keep = new Set(changes.map((c) => c.after.id));
      const removed = deleteMissing ? working.filter((c) => !keep.has(c.id) && !c.system) : [];
      working = working.filter((c) => !removed.includes(c));
      for (const c of removed) {
        const user = working.find((o) => o.type !== 'view' && o.fields.some((f) => f.type === 'relation' && f.collectionId === c.id));
        if (user) throw apiError('collection_in_use', `The collection ${c.name} is referenced by ${user.name}.`);
      }
      // PocketBase's import saves each collection through the normal save path, so the lifecycle
      // hooks fire per collection inside the one transaction; a throwing handler undoes all of it.
      // Every collection whose hooks ran hears a failure, as each saved model does in PocketBase.
      const hooks = this.hooks;
      const steps: ImportStep[] = [];
      try {
        // Unlike PocketBase (which saves imports unvalidated) the validate hook runs too: an app
        // refusing a schema there would otherwise be bypassed by an import.
        for (const { before, after } of changes) {
          const step: ImportStep = before ? { action: 'update', collection: after, original: before } : { action: 'create', collection: after };
          steps.push(step);
          await hooks.onCollectionValidate.trigger(stepEvent(step));
        }
        await this.#db.transaction(async (tx) => {
          await dropViews(tx, this.#ordered.filter((c) => c.type === 'view'));
          for (const c of removed) {
            steps.push({ action: 'delete', collection: c });
            await hooks.onCollectionDelete.trigger({ collection: c, tx }, () => this.#deleteStored(tx, c));
          }
          for (const { before, after } of changes) {
            const write = async (): Promise<void> => {
              if (after.type !== 'view') {
                if (before && before.type !== 'view') await syncRecordTable(tx, before, after);
                else await createRecordTable(tx, after);
              }
              await tx.run(before ? UPDATE_SQL : INSERT_SQL, before ? updateParams(after) : collectionToParams(after));
            };
            if (before) await hooks.onCollectionUpdate.trigger({ collection: after, original: before, tx }, write);
            else await hooks.onCollectionCreate.trigger({ collection: after, tx }, write);
          }
          // Views are rebuilt once all tables exist, so a view's create hook runs before its view does.
          await createViews(tx, working.filter((c) => c.type === 'view'), working, (v, message) =>
            validationError({ collections: { [v.name]: { viewQuery: fieldError('validation_invalid_view_query', undefined, `Invalid view query: ${message}`) } } }, 'Failed to import the collections configuration.'));
        });
      } catch (error) {
        for (const step of writeOrder(steps)) await this.#afterError(this.#afterHooks(step.action).error, step.collection, error, step.original);
        throw error;
      }
      this.#setCache(working);
      for (const c of removed) await this.#emit({ action: 'delete', before: c });
      for (const { before, after } of changes) await this.#emit(before ? { action: 'update', before, after } : { action: 'create', after });
      for (const step of writeOrder(steps)) await this.#afterSuccess(this.#afterHooks(step.action).success, stepEvent(step));
    });
  }

  async ensureSystemCollections(): Promise<void> {
    if (!this.#loaded) await this.load();
    await this.#serial(async () => {
      if (this.#byName.has('_superusers')) return;
      await this.#create(superusersInput(), true);
      // the default users collection comes with a fresh database only, so deleting it sticks
      if (!this.#byName.has('users') && !this.#byId.has(usersInput().id as string)) await this.#create(usersInput(), false);
    });
  }

  async #create(input: unknown, allowSystem: boolean): Promise<Collection> {
    const c = normalizeCollection(input, { others: this.#ordered, now: await this.#stamp(), allowSystem });
    const next = [...this.#ordered, c];
    const hooks = this.hooks;
    try {
      await hooks.onCollectionValidate.trigger({ collection: c });
      await this.#db.transaction(async (tx) => hooks.onCollectionCreate.trigger({ collection: c, tx }, async () => {
        if (c.type === 'view') await createViews(tx, [c], next, (v, message) => this.#viewError(v, c, message));
        else await createRecordTable(tx, c);
        await this.#insert(tx, c);
      }));
    } catch (error) {
      await this.#afterError(hooks.onCollectionAfterCreateError, c, error);
      throw error;
    }
    this.#setCache(next);
    await this.#emit({ action: 'create', after: c });
    await this.#afterSuccess(hooks.onCollectionAfterCreateSuccess, { collection: c });
    return c;
  }

  async #deleteStored(tx: Transaction, c: Collection): Promise<void> {
    await dropRecordTable(tx, c);
    await tx.run(`DELETE FROM "_collections" WHERE "id" = ?`, [c.id]);
  }

  #afterHooks(action: CollectionChangeAction): { success: Hook<CollectionEvent>; error: Hook<CollectionAfterErrorEvent> } {
    const h = this.hooks;
    switch (action) {
      case 'create': return { success: h.onCollectionAfterCreateSuccess, error: h.onCollectionAfterCreateError };
      case 'update': return { success: h.onCollectionAfterUpdateSuccess, error: h.onCollectionAfterUpdateError };
      case 'delete': return { success: h.onCollectionAfterDeleteSuccess, error: h.onCollectionAfterDeleteError };
    }
  }

  async #afterError(hook: Hook<CollectionAfterErrorEvent>, collection: Collection, error: unknown, original?: Collection): Promise<void> {
    if (hook.length === 0) return;
    await hook.trigger(original === undefined ? { collection, error } : { collection, original, error });
  }

  /** After the commit and the cache update: a failing handler cannot undo the change, so it is only reported. */
  async #afterSuccess(hook: Hook<CollectionEvent>, e: CollectionEvent): Promise<void> {
    if (hook.length === 0) return;
    try {
      await hook.trigger(e);
    } catch (err) {
      defaultAfterCommitErrorHandler(err);
    }
  }

  async #insert(tx: Transaction, c: Collection): Promise<void> {
    try {
      await tx.savepoint((sp) => sp.run(INSERT_SQL, collectionToParams(c)));
    } catch (err) {
      // another node created the same name between our cache read and this insert
      if (/unique|duplicate/i.test(String((err as Error)?.message))) {
        throw validationError({ name: fieldError('validation_collection_name_exists') });
      }
      throw err;
    }
  }

  /** View collections whose query names a renamed collection, with the query rewritten. */
  #viewsAfterRename(list: readonly Collection[], from: string, to: string, now: string): Array<{ before: Collection; after: Collection }> {
    const out: Array<{ before: Collection; after: Collection }> = [];
    for (const v of list) {
      if (v.type !== 'view' || v.name === to || !v.viewQuery) continue;
      try {
        const query = renameCollectionInViewQuery(v.viewQuery, from, to);
        if (query === v.viewQuery) continue;
        const others = list.filter((c) => c.id !== v.id);
        out.push({ before: v, after: { ...v, viewQuery: query, fields: analyzeViewQuery(query, others).fields, updated: now } });
      } catch {
        // left as it was: rebuilding the view then fails with a field error naming it
      }
    }
    return out;
  }

  #viewError(view: Collection, saving: Collection, message: string): Error {
    if (view.id === saving.id) {
      return validationError({ viewQuery: fieldError('validation_invalid_view_query', undefined, `Invalid view query: ${message}`) });
    }
    return validationError({ fields: fieldError('validation_view_dependency', undefined, `The view collection ${view.name} no longer builds: ${message}`) });
  }

  #require(nameOrId: string): Collection {
    const c = this.find(nameOrId);
    if (!c) throw apiError('not_found');
    return c;
  }

  #others(id: string): Collection[] {
    return this.#ordered.filter((c) => c.id !== id);
  }

  async #emit(e: CollectionChange): Promise<void> {
    for (const listener of [...this.#listeners]) {
      try {
        await listener(e);
      } catch {
        // a listener failing (e.g. pub/sub down) must not undo or fail a committed change
      }
    }
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
