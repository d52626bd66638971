/**
 * The hook chains an app file binds to (docs/hooks.md), named after PocketBase's. Record lifecycle
 * hooks are triggered by RecordService for every write path (REST, batch, auth flows, GraphQL,
 * `tx.records.*`), collection lifecycle hooks by CollectionService; request hooks by the routes.
 * Every chain is a `TaggedHook`:
 * `hooks.onRecordCreate.on('orders').bindFunc(...)` runs only for that collection (name or id).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthState } from '../auth/auth-record.js';
import { fieldError } from '../core/errors.js';
import { TaggedHook } from '../core/hook.js';
import type { Hook } from '../core/hook.js';
import type { Collection } from '../core/schema.js';
import type { Transaction } from '../db/database.js';
import type { MailMessage } from '../mail/mail-message.js';
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

/**
 * A record as it is about to be sent to a client (REST, auth answers, realtime, GraphQL, and every
 * record nested under `expand`, innermost first), already shaped for that requester (`context`): a
 * handler may add, change or delete fields of `record`. `collection` is the record's own.
 */
export interface RecordEnrichEvent {
  collection: Collection;
  record: RecordJson;
  context: RecordContext;
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

/** A collection schema change (`app.collections.create/update/delete`, the collections API, migrations). */
export interface CollectionEvent {
  /** The collection as it will be stored (create, update) or as it was (delete). */
  collection: Collection;
  /** The stored collection before this update; undefined on create and delete. */
  original?: Collection;
}

/** Inside the schema change's transaction: `next()` runs the DDL and the `_collections` write. */
export interface CollectionWriteEvent extends CollectionEvent {
  tx: Transaction;
}

export interface CollectionAfterErrorEvent extends CollectionEvent {
  error: unknown;
}

/**
 * A collections API request on one stored collection (view, update, delete), after the superuser
 * check and the 404 lookup. Handlers may change `body` (update) before `next()` and `result` after it.
 */
export interface CollectionRequestEvent {
  request: FastifyRequest;
  /** The stored collection the route acts on. */
  collection: Collection;
  /** The request body of update (a plain object); changes before `next()` are what is saved. */
  body?: Record<string, unknown>;
  /** The answer after `next()` (the collection's public shape; unset for delete's 204). */
  result?: unknown;
}

/** `POST /api/collections`: no collection exists yet, so the event has the body it will be made from. */
export interface CollectionCreateRequestEvent {
  request: FastifyRequest;
  /** The request body (a plain object); changes before `next()` are what is created. */
  body: Record<string, unknown>;
  /** The new collection's public shape, after `next()`. */
  result?: unknown;
}

/** `GET /api/collections`: `result` is the list page after `next()`. */
export interface CollectionsListRequestEvent {
  request: FastifyRequest;
  result?: unknown;
}

/** `PUT /api/collections/import`, after the body was checked (a non-empty list) and before the import. */
export interface CollectionsImportRequestEvent {
  request: FastifyRequest;
  /** The collections to import, as sent; changes before `next()` are what is imported. */
  collectionsData: unknown[];
  deleteMissing: boolean;
  /** Unset after `next()` (the import answers 204); a handler that skips `next()` may set it. */
  result?: unknown;
}

/**
 * An auth route request (tags: the auth collection). `body` is the parsed request body; changes
 * before `next()` are what the route uses. `result` is the answer after `next()`.
 */
export interface AuthRouteEvent {
  collection: Collection;
  request: FastifyRequest;
  body: Record<string, unknown>;
  result?: unknown;
}

/** Every successful authentication answer (password, OTP, OAuth2, passkey, TOTP, refresh, impersonate). */
export interface RecordAuthEvent {
  collection: Collection;
  request: FastifyRequest;
  /** The authenticated record (stored shape); the answer shows it as its owner sees it. */
  record: RecordJson;
  token: string;
  /** Sent as the answer's `meta` (OAuth2 fills it); a handler may add to it or set it. */
  meta?: Record<string, unknown>;
  /** `password`, `otp`, `oauth2`, `passkey`, `totp`, `refresh` or `impersonate`. */
  authMethod: string;
  /** The answer `{token, record, meta?}`, after `next()`. */
  result?: unknown;
}

/** Every mail Galley or the app sends through `app.mail.send`, before it is queued. */
export interface MailerSendEvent {
  /** Changes before `next()` are what is queued; not calling `next()` drops the message. */
  message: MailMessage;
}

/** The kinds of mail the auth flows send, each with its own hook. */
export type MailFlowKind = 'passwordReset' | 'verification' | 'emailChange' | 'otp' | 'authAlert';

/** Where an auth flow's mail comes from: `app.mail.send(message, { flow })`. */
export interface MailFlow {
  kind: MailFlowKind;
  collection: Collection;
  record: RecordJson;
  /** The flow's values: `token` (links), `otpId` and `otp` (OTP), `newEmail`, `ip`/`userAgent` (alert). */
  meta: Record<string, unknown>;
}

/** An auth flow's mail (tags: the auth collection); `next()` goes on to `onMailerSend`. */
export interface MailerRecordEvent extends MailerSendEvent {
  collection: Collection;
  record: RecordJson;
  meta: Record<string, unknown>;
}

/** `POST /api/batch`, after the body was parsed and before the batch transaction. */
export interface BatchRequestEvent {
  request: FastifyRequest;
  /** The parsed requests, in order (`kind`, `collection`, `id`, `body`, `headers`, `query`); may be changed, not reordered. */
  batch: Array<{ kind: string; collection: string; id: string; body: Record<string, unknown>; headers: Record<string, string>; query: Record<string, string> }>;
  /** The answer after `next()` (the `[{status, body}]` list); a handler that skips `next()` may set it. */
  result?: unknown;
}

/** Which realtime transport fired a realtime hook. */
export type RealtimeTransport = 'sse' | 'websocket';

/**
 * What the realtime hooks see of the request: the part of a Fastify request that both transports
 * have. SSE passes its Fastify request; the WebSocket builds one from its upgrade request (`raw`),
 * whose `auth` is the socket's auth at that moment (the upgrade's token, or a later `auth` message).
 */
export type RealtimeRequest = Pick<FastifyRequest, 'auth' | 'headers' | 'query' | 'ip' | 'url' | 'method' | 'raw'>;

/**
 * Before a realtime connection exists (SSE `GET /api/realtime`, the WebSocket upgrade): throwing
 * refuses it with the error; `next()` opens it.
 */
export interface RealtimeConnectEvent {
  request: RealtimeRequest;
  transport: RealtimeTransport;
}

/**
 * A change of subscriptions, after validation: SSE `POST /api/realtime` (the whole new set), a
 * WebSocket `subscribe` message (its one topic). `next()` applies `subscriptions`; throwing answers
 * the error and changes nothing.
 */
export interface RealtimeSubscribeEvent {
  request: RealtimeRequest;
  transport: RealtimeTransport;
  clientId: string;
  /** The subscriptions that will be set (SSE) or added (WebSocket); a handler may remove or add some (the limits were checked before). */
  subscriptions: string[];
}

/** What `onRealtimeMessageSend` handlers see of the connection (an SSE stream or a WebSocket). */
export interface RealtimeMessageClient {
  readonly id: string;
  readonly ip: string;
  /** The requester its events are checked for; null = guest. */
  readonly auth: AuthState | null;
  /** Its subscription names, in the order they were added. */
  subscriptions(): string[];
}

/**
 * An event about to be written to one realtime connection: a record event (`data` is
 * `{action, record}`) or a custom message. `message` is this client's own copy, parsed from the
 * payload shared by its group: a handler may change `name` (the SSE event name, the WebSocket
 * `topic`) or `data`; not calling `next()` skips this client. The connection's own frames
 * (`PB_CONNECT`, the WebSocket protocol's answers) do not pass through it.
 */
export interface RealtimeMessageEvent {
  client: RealtimeMessageClient;
  message: { name: string; data: unknown };
}

/** `GET /api/files/{c}/{id}/{name}`, after access was checked and before the file is sent. */
export interface FileDownloadEvent {
  collection: Collection;
  request: FastifyRequest;
  record: RecordJson;
  fileField: string;
  /** The storage key served (the thumbnail's when one was asked for); a handler may change it. */
  servedPath: string;
  /** The file name in `Content-Disposition`. */
  servedName: string;
  /** What is sent when a handler answers without `next()` (204 when unset). */
  result?: unknown;
}

const collectionTags = (e: { collection: Collection }): readonly string[] => [e.collection.name, e.collection.id];

function tagged<E extends { collection: Collection }>(): TaggedHook<E> {
  return new TaggedHook<E>(collectionTags);
}

// A collection being created has no stored name or id yet: its tags are the ones its body asks for.
const createBodyTags = (e: CollectionCreateRequestEvent): readonly string[] =>
  [e.body.name, e.body.id].filter((t): t is string => typeof t === 'string' && t !== '');

// Untagged chains are TaggedHooks with no tags, so every hook has the same API (`.on()` matches nothing).
const noTags = (): readonly string[] => [];

function untagged<E extends object>(): TaggedHook<E> {
  return new TaggedHook<E>(noTags);
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
  readonly onRecordEnrich = tagged<RecordEnrichEvent>();

  readonly onCollectionValidate = tagged<CollectionEvent>();
  readonly onCollectionCreate = tagged<CollectionWriteEvent>();
  readonly onCollectionUpdate = tagged<CollectionWriteEvent>();
  readonly onCollectionDelete = tagged<CollectionWriteEvent>();
  readonly onCollectionAfterCreateSuccess = tagged<CollectionEvent>();
  readonly onCollectionAfterUpdateSuccess = tagged<CollectionEvent>();
  readonly onCollectionAfterDeleteSuccess = tagged<CollectionEvent>();
  readonly onCollectionAfterCreateError = tagged<CollectionAfterErrorEvent>();
  readonly onCollectionAfterUpdateError = tagged<CollectionAfterErrorEvent>();
  readonly onCollectionAfterDeleteError = tagged<CollectionAfterErrorEvent>();

  readonly onCollectionsListRequest = untagged<CollectionsListRequestEvent>();
  readonly onCollectionViewRequest = tagged<CollectionRequestEvent>();
  readonly onCollectionCreateRequest = new TaggedHook<CollectionCreateRequestEvent>(createBodyTags);
  readonly onCollectionUpdateRequest = tagged<CollectionRequestEvent>();
  readonly onCollectionDeleteRequest = tagged<CollectionRequestEvent>();
  readonly onCollectionsImportRequest = untagged<CollectionsImportRequestEvent>();

  readonly onRecordAuthRequest = tagged<RecordAuthEvent>();
  readonly onRecordAuthWithPasswordRequest = tagged<AuthRouteEvent>();
  readonly onRecordAuthWithOTPRequest = tagged<AuthRouteEvent>();
  readonly onRecordAuthWithOAuth2Request = tagged<AuthRouteEvent>();
  readonly onRecordAuthRefreshRequest = tagged<AuthRouteEvent>();
  readonly onRecordRequestOTPRequest = tagged<AuthRouteEvent>();
  readonly onRecordRequestPasswordResetRequest = tagged<AuthRouteEvent>();
  readonly onRecordConfirmPasswordResetRequest = tagged<AuthRouteEvent>();
  readonly onRecordRequestVerificationRequest = tagged<AuthRouteEvent>();
  readonly onRecordConfirmVerificationRequest = tagged<AuthRouteEvent>();
  readonly onRecordRequestEmailChangeRequest = tagged<AuthRouteEvent>();
  readonly onRecordConfirmEmailChangeRequest = tagged<AuthRouteEvent>();

  readonly onMailerSend = untagged<MailerSendEvent>();
  readonly onMailerRecordPasswordResetSend = tagged<MailerRecordEvent>();
  readonly onMailerRecordVerificationSend = tagged<MailerRecordEvent>();
  readonly onMailerRecordEmailChangeSend = tagged<MailerRecordEvent>();
  readonly onMailerRecordOTPSend = tagged<MailerRecordEvent>();
  readonly onMailerRecordAuthAlertSend = tagged<MailerRecordEvent>();

  readonly onBatchRequest = untagged<BatchRequestEvent>();
  readonly onRealtimeConnectRequest = untagged<RealtimeConnectEvent>();
  readonly onRealtimeSubscribeRequest = untagged<RealtimeSubscribeEvent>();
  readonly onRealtimeMessageSend = untagged<RealtimeMessageEvent>();
  readonly onFileDownloadRequest = tagged<FileDownloadEvent>();
}

/** The per-flow mail hook of `kind` (a function, not a member: every member of AppHooks is a chain). */
export function mailFlowHook(hooks: AppHooks, kind: MailFlowKind): TaggedHook<MailerRecordEvent> {
  switch (kind) {
    case 'passwordReset': return hooks.onMailerRecordPasswordResetSend;
    case 'verification': return hooks.onMailerRecordVerificationSend;
    case 'emailChange': return hooks.onMailerRecordEmailChangeSend;
    case 'otp': return hooks.onMailerRecordOTPSend;
    case 'authAlert': return hooks.onMailerRecordAuthAlertSend;
  }
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
 * Given the reply, a chain that ends with no result answers 204 (an async route returning
 * undefined would be a 200 with an empty body).
 */
export function triggerRequest<E extends { result?: unknown }>(
  hook: Hook<E>,
  event: E,
  action: (e: E) => Promise<unknown>,
  reply?: FastifyReply,
): Promise<unknown> {
  // With no handler bound the chain is only its action: its promises are skipped (reads run this
  // for every request).
  if (hook.length === 0) {
    try {
      return action(event);
    } catch (err) {
      return Promise.reject(err);
    }
  }
  return hook
    .trigger(event, async (e) => {
      e.result = await action(e);
    })
    .then(() => (event.result === undefined && reply !== undefined && !reply.sent ? reply.code(204).send() : event.result));
}
