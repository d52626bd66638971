/**
 * The hook chains an app file binds to (docs/hooks.md), named after PocketBase's. Record lifecycle
 * hooks are triggered by RecordService for every write path (REST, batch, auth flows, GraphQL,
 * `tx.records.*`); request hooks by the record routes. Every chain is a `TaggedHook`:
 * `hooks.onRecordCreate.on('orders').bindFunc(...)` runs only for that collection (name or id).
 */
import type { FastifyRequest } from 'fastify';
import { fieldError } from '../core/errors.js';
import { TaggedHook } from '../core/hook.js';
import type { Collection } from '../core/schema.js';
import type { Transaction } from '../db/database.js';
import type { ErrorTree } from '../records/error-tree.js';
import type { RecordContext, RecordJson } from '../records/record-service.js';

export interface RecordEvent {
  collection: Collection;
  /** The stored shape (hidden fields included); changes made before `next()` are written. */
  record: RecordJson;
  /** Who is writing (rules' auth record, superuser flag, request info). */
  context: RecordContext;
}

/** Validation of a create or update (before the write's SQL). */
export interface RecordValidateEvent extends RecordEvent {
  /** The record as stored before this update; undefined on create. */
  original?: RecordJson;
  /** Adds a field error; the write then fails with PocketBase's 400 validation shape. */
  addError(field: string, message: string): void;
}

/** Inside the write's transaction: `next()` runs the SQL; throwing rolls everything back. */
export interface RecordWriteEvent extends RecordEvent {
  tx: Transaction;
  original?: RecordJson;
}

/** After the commit (of the outermost transaction): the write is durable. */
export type RecordAfterSuccessEvent = RecordEvent;

/** After a failed write (rolled back). */
export interface RecordAfterErrorEvent extends RecordEvent {
  error: unknown;
}

/** A record API request. Handlers may change `body` before `next()` and `result` after it. */
export interface RecordRequestEvent {
  collection: Collection;
  request: FastifyRequest;
  /** The request body of create/update (a plain object). */
  body?: Record<string, unknown>;
  /** The record id of view/update/delete. */
  id?: string;
  /** What the default action produced (sent as the response); a handler that skips `next()` sets it. */
  result?: unknown;
}

const collectionTags = (e: { collection: Collection }): readonly string[] => [e.collection.name, e.collection.id];

function tagged<E extends { collection: Collection }>(): TaggedHook<E> {
  return new TaggedHook<E>(collectionTags);
}

export class AppHooks {
  readonly onRecordValidate = tagged<RecordValidateEvent>();
  readonly onRecordCreate = tagged<RecordWriteEvent>();
  readonly onRecordUpdate = tagged<RecordWriteEvent>();
  readonly onRecordDelete = tagged<RecordWriteEvent>();
  readonly onRecordAfterCreateSuccess = tagged<RecordAfterSuccessEvent>();
  readonly onRecordAfterUpdateSuccess = tagged<RecordAfterSuccessEvent>();
  readonly onRecordAfterDeleteSuccess = tagged<RecordAfterSuccessEvent>();
  readonly onRecordAfterCreateError = tagged<RecordAfterErrorEvent>();
  readonly onRecordAfterUpdateError = tagged<RecordAfterErrorEvent>();
  readonly onRecordAfterDeleteError = tagged<RecordAfterErrorEvent>();

  readonly onRecordsListRequest = tagged<RecordRequestEvent>();
  readonly onRecordViewRequest = tagged<RecordRequestEvent>();
  readonly onRecordCreateRequest = tagged<RecordRequestEvent>();
  readonly onRecordUpdateRequest = tagged<RecordRequestEvent>();
  readonly onRecordDeleteRequest = tagged<RecordRequestEvent>();
}

export type AppHookName = {
  [K in keyof AppHooks]: AppHooks[K] extends TaggedHook<infer _E> ? K : never;
}[keyof AppHooks];

/** The validate event for RecordService: `addError` writes into the write's error tree. */
export function validateEvent(base: RecordEvent & { original?: RecordJson }, errors: ErrorTree): RecordValidateEvent {
  const e: RecordValidateEvent = { ...base, addError: (field, message) => errors.add([field], fieldError('validation_invalid_value', undefined, message)) };
  if (base.original === undefined) delete e.original;
  return e;
}

/**
 * Runs a request hook around a route's default action and returns what to send: the action's
 * result, as possibly changed by handlers after `next()`, or what a handler set without calling it.
 */
export async function triggerRequest(
  hook: TaggedHook<RecordRequestEvent>,
  event: RecordRequestEvent,
  action: (e: RecordRequestEvent) => Promise<unknown>,
): Promise<unknown> {
  await hook.trigger(event, async (e) => {
    e.result = await action(e);
  });
  return event.result;
}
