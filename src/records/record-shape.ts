/**
 * The one output-shaping step every record response goes through (lists, views, writes, expand,
 * auth responses, realtime, GraphQL): hidden fields only for superusers, never `password`/`tokenKey`,
 * and `email` only when `emailVisibility` is on or the requester is the owner, a superuser or passes
 * the collection's `manageRule` (checked for a whole batch in one query). The app's
 * `onRecordEnrich` then sees each shaped record (`shapeAndEnrich`).
 */
import type { Collection } from '../core/schema.js';
import type { AuthRecord, RequestInfo } from '../rules/index.js';
import { isSecretField } from './record-codec.js';
import type { RecordJson } from './record-codec.js';
import type { RecordReader } from './record-reader.js';

export interface ShapeContext {
  auth: AuthRecord | null;
  isSuperuser: boolean;
  request: RequestInfo;
}

interface ShapePlan {
  /** Field names dropped for everyone (`password`, `tokenKey`). */
  secret: ReadonlySet<string>;
  /** Dropped for non-superusers: the secret fields and the hidden ones. */
  secretOrHidden: ReadonlySet<string>;
  isAuth: boolean;
}

const plans = new WeakMap<Collection, ShapePlan>();

function planFor(c: Collection): ShapePlan {
  let p = plans.get(c);
  if (p === undefined) {
    const secret = c.fields.filter((f) => isSecretField(c, f)).map((f) => f.name);
    const hidden = c.fields.filter((f) => f.hidden).map((f) => f.name);
    p = { secret: new Set(secret), secretOrHidden: new Set([...secret, ...hidden]), isAuth: c.type === 'auth' };
    plans.set(c, p);
  }
  return p;
}

/** Whether the requester may manage (see the email of, change credentials of) these auth records. */
export async function managedIds(reader: RecordReader, c: Collection, records: readonly RecordJson[], ctx: ShapeContext): Promise<Set<string>> {
  const rule = c.manageRule;
  if (c.type !== 'auth' || ctx.isSuperuser || ctx.auth === null || rule === null || rule === undefined || rule === '') return new Set();
  return reader.idsMatching(c, records.map((r) => String(r.id)), rule, { ...ctx.request, auth: ctx.auth });
}

/** Shaped copies of `records` of `c` (their `expand` values are already shaped and kept as they are). */
export async function shapeRecords(reader: RecordReader, c: Collection, records: readonly RecordJson[], ctx: ShapeContext): Promise<RecordJson[]> {
  const plan = planFor(c);
  let managed: Set<string> | undefined;
  if (plan.isAuth && !ctx.isSuperuser) {
    const needCheck = records.filter((r) => r.emailVisibility !== true && !isOwner(c, r, ctx));
    if (needCheck.length > 0) managed = await managedIds(reader, c, needCheck, ctx);
  }
  return shaped(c, plan, records, ctx, managed);
}

/**
 * The app's `onRecordEnrich` over records of `c` already shaped for `ctx`, answering what to send (a
 * handler may replace a record). Callers hold undefined while no handler is bound, so an answer
 * nobody enriches pays nothing for it.
 */
export type Enricher = (c: Collection, records: RecordJson[], ctx: ShapeContext) => Promise<RecordJson[]>;

/**
 * `shapeRecords`, then `enrich` over the shaped copies. Not async: unenriched, it is the shaping
 * promise itself, no extra layer on every answer and every expanded level.
 */
export function shapeAndEnrich(reader: RecordReader, c: Collection, records: readonly RecordJson[], ctx: ShapeContext, enrich: Enricher | undefined): Promise<RecordJson[]> {
  const shaped = shapeRecords(reader, c, records, ctx);
  return enrich === undefined ? shaped : shaped.then((out) => enrich(c, out, ctx));
}

/**
 * `shapeRecords` without waiting, when no record needs the manage-rule query (not an auth
 * collection, a superuser, or only visible emails and the requester's own record); else undefined.
 */
export function shapeRecordsNow(c: Collection, records: readonly RecordJson[], ctx: ShapeContext): RecordJson[] | undefined {
  const plan = planFor(c);
  if (plan.isAuth && !ctx.isSuperuser && records.some((r) => r.emailVisibility !== true && !isOwner(c, r, ctx))) return undefined;
  return shaped(c, plan, records, ctx, undefined);
}

function shaped(c: Collection, plan: ShapePlan, records: readonly RecordJson[], ctx: ShapeContext, managed: Set<string> | undefined): RecordJson[] {
  const always = ctx.isSuperuser ? plan.secret : plan.secretOrHidden;
  return records.map((r) => {
    const hideEmail = !ctx.isSuperuser && plan.isAuth && r.emailVisibility !== true && !isOwner(c, r, ctx) && !(managed?.has(String(r.id)) ?? false);
    if (always.size === 0 && !hideEmail) return { ...r };
    // Copied without the dropped keys rather than spread and deleted from: a delete turns the copy
    // into a dictionary-mode object, slower to build and to serialize (an auth response's record).
    const out: RecordJson = {};
    for (const key in r) {
      if (!always.has(key) && !(hideEmail && key === 'email')) out[key] = r[key];
    }
    return out;
  });
}

function isOwner(c: Collection, r: RecordJson, ctx: ShapeContext): boolean {
  return ctx.auth !== null && ctx.auth.id === r.id && ctx.auth.collectionId === c.id;
}
