/**
 * The realtime broker: one per node, transport-agnostic. SSE, the WebSocket protocol, GraphQL
 * subscriptions and the OAuth2 redirect are all users of it.
 *
 * Record events: RecordService's after-commit listener publishes each committed change once on the
 * PubSub (`realtime:records`); every node (the writer included) hears it and fans it out to its own
 * subscribers. A rolled-back write never reaches the listener, so it sends nothing.
 *
 * Fan-out cost grows with groups, not subscribers. Subscribers with the same (event name, topic,
 * options, auth record) share a `Group` (a user's several tabs, all guests on one topic). Per event,
 * each group's access decision is memoised by what the rules can read: the topic kind, the options
 * (`filter`, `@request.query/headers`) and the values of the `@request.auth.*` fields the list/view
 * rule and the filter actually name; so two users whose rule inputs agree share one decision. The
 * decision uses the in-memory matcher; the decisions it cannot make (relations, `@collection`) are
 * made together, as columns of one SQL query per event (per 100 decisions), however many users. The payload is shaped (hidden fields, email
 * visibility, expand, fields) and serialised once per distinct output (superuser or not, expand,
 * fields; the requester only when the output depends on who asks: auth collections, expand), or
 * once per group while an `onRecordEnrich` handler is bound (it may read the requester).
 *
 * `onRealtimeMessageSend` (deps.messageSend) is checked once per group and event: with no handler
 * the group's event object, and so its encoded bytes, is handed to every member; with one, each
 * connection gets its own parsed copy through the handlers, re-encoded for it alone.
 *
 * Delete events carry the last state of the record (PocketBase's semantics), and are checked
 * against it: in memory as any event, or, when the rule needs the database, with that state bound
 * as a one-row table in place of the deleted row.
 */
import type { AuthState } from '../auth/auth-record.js';
import { isSuperuser } from '../auth/authenticate.js';
import { ruleAuth } from '../auth/rule-auth.js';
import { isMultiple } from '../core/schema.js';
import type { Hook } from '../core/hook.js';
import type { Collection } from '../core/schema.js';
import type { Database, Dialect, SqlParam } from '../db/database.js';
import type { RealtimeMessageClient, RealtimeMessageEvent } from '../hooks/app-hooks.js';
import { compileFields, pickFields } from '../lib/pick-fields.js';
import type { FieldsSpec } from '../lib/pick-fields.js';
import type { CollectionService } from '../records/collection-service.js';
import { encodeValue } from '../records/record-codec.js';
import type { RecordJson } from '../records/record-codec.js';
import type { RecordChange, RecordChangeAction, RecordContext, RecordService } from '../records/record-service.js';
import { quoteIdent } from '../records/sql-tokens.js';
import { prepareRule, RULE_PARSE_LIMITS, walk } from '../rules/index.js';
import type { AuthRecord, PreparedRule, RequestInfo } from '../rules/index.js';
import type { PubSub } from './pubsub.js';
import { parseTopic, TopicError } from './realtime-topic.js';
import type { RecordSubscriptionOptions } from './realtime-topic.js';

export type { RecordSubscriptionOptions } from './realtime-topic.js';

/** One event for one subscription. Shared by every subscriber of a group: never mutate it. */
export interface RealtimeEvent {
  /** The subscription's name: for SSE, the exact subscription string (the SSE event name). */
  readonly topic: string;
  /** Record events only. */
  readonly action?: RecordChangeAction;
  /** Record events only: the record as this group may see it. */
  readonly record?: RecordJson;
  /** The payload's JSON text (`{"action","record"}` for record events), serialised once per group. */
  readonly data: string;
}

export interface RealtimeSubscriber {
  /** The requester (`request.auth` shape); null for guests. */
  auth: AuthState | null;
  /**
   * Called synchronously for each event. Return false when the subscriber's queue is full; the
   * transport then drops its client (the broker only counts it).
   */
  deliver(event: RealtimeEvent): boolean;
  /**
   * Set by the SSE and WebSocket clients: deliveries to them go through `onRealtimeMessageSend`
   * when a handler is bound (GraphQL subscriptions, a protocol of their own, do not).
   */
  readonly connection?: RealtimeMessageClient;
}

export interface RealtimeBrokerDeps {
  pubsub: PubSub;
  db: Database;
  collections: CollectionService;
  records: RecordService;
  /** `onRealtimeMessageSend`: per-client interception of deliveries, checked once per group and event. */
  messageSend?: Hook<RealtimeMessageEvent>;
  onError?: (err: unknown, what: string) => void;
}

export interface RealtimeBrokerStats {
  /** Local record subscriptions and the groups they form. */
  subscriptions: number;
  groups: number;
  /** Events delivered to subscribers on this node since start. */
  deliveries: number;
  /** Deliveries a full subscriber refused. */
  refused: number;
}

const CH_RECORDS = 'realtime:records';
/** Rule decisions per SQL statement (each is a column; bound parameters stay far below every limit). */
const SQL_DECISIONS_PER_QUERY = 100;
const CH_CUSTOM = 'realtime:custom';

interface RecordMessage {
  a: RecordChangeAction;
  /** collection id */
  c: string;
  r: RecordJson;
}

interface CustomMessage {
  t: string;
  d: unknown;
}

/**
 * A memo shared by every group with the same key (same rule inputs, or same output shape), valid
 * for one event (`seq`): the per-event work is a field check, not a map lookup per group.
 */
class Slot<T> {
  seq = -1;
  value: T | undefined;
  refs = 0;
  constructor(readonly key: string) {}
}

type DecisionSlot = Slot<boolean>;
type OutputSlot = Slot<Output | undefined | Promise<Output | undefined>>;

/** What a group decided for one collection object (a schema change makes a new one). */
interface GroupPlan {
  collection: Collection;
  deny: boolean;
  rule: PreparedRule | null;
  filter: PreparedRule | null;
  decision: DecisionSlot;
  output: OutputSlot;
}

class Group {
  /** subscriber -> how many of its subscriptions landed in this group (it gets each event once). */
  readonly members = new Map<RealtimeSubscriber, number>();
  plan: GroupPlan | undefined;
  fieldsSpec: FieldsSpec | undefined;
  /** The group's own payload, used instead of the shared one while an enrich handler is bound. */
  readonly output: OutputSlot = new Slot('');

  constructor(
    readonly key: string,
    readonly name: string,
    readonly indexKey: string,
    readonly all: boolean,
    readonly filter: string,
    readonly expand: string,
    readonly fields: string,
    /** canonical filter + query + headers */
    readonly inputsKey: string,
    readonly auth: AuthRecord | null,
    readonly superuser: boolean,
    readonly identity: string,
    readonly request: RequestInfo,
  ) {}
}

interface Output {
  record: RecordJson;
  data: string;
}

export class RealtimeBroker {
  readonly #deps: RealtimeBrokerDeps;
  readonly #groups = new Map<string, Group>();
  /** `<collection lowercased>/*` or `<collection lowercased>/<record id>` -> groups. */
  readonly #index = new Map<string, Set<Group>>();
  readonly #custom = new Map<string, Map<RealtimeSubscriber, string>>();
  readonly #decisionSlots = new Map<string, DecisionSlot>();
  readonly #outputSlots = new Map<string, OutputSlot>();
  #seq = 0;
  readonly #offs: Array<() => void | Promise<void>> = [];
  #chain: Promise<void> = Promise.resolve();
  #subscriptions = 0;
  #deliveries = 0;
  #refused = 0;
  #started = false;
  /** Per connection, its last delivery still in `onRealtimeMessageSend`; the next one waits for it. */
  readonly #sending = new WeakMap<RealtimeSubscriber, Promise<void>>();
  #sendingCount = 0;

  constructor(deps: RealtimeBrokerDeps) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { pubsub, records } = this.#deps;
    this.#offs.push(await pubsub.subscribe(CH_RECORDS, (m) => this.#onRecordMessage(m as RecordMessage)));
    this.#offs.push(await pubsub.subscribe(CH_CUSTOM, (m) => this.#onCustomMessage(m as CustomMessage)));
    this.#offs.push(records.onChange((e) => this.#publishChange(e)));
  }

  /** Stops listening; waits for the fan-out in progress. Subscriptions stay registered (transports close them). */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    for (const off of this.#offs.splice(0)) await off();
    await this.#chain;
  }

  stats(): RealtimeBrokerStats {
    return { subscriptions: this.#subscriptions, groups: this.#groups.size, deliveries: this.#deliveries, refused: this.#refused };
  }

  /**
   * Subscribes to record events: `coll/*` (list rule) or `coll/<id>` (view rule), `coll` being a
   * collection name or id; `options` add a filter and shape the record. Returns the unsubscribe
   * function (idempotent). Throws TopicError for a malformed topic.
   */
  subscribeRecords(sub: RealtimeSubscriber, topic: string, options: RecordSubscriptionOptions = {}): () => void {
    const parsed = parseTopic(topic);
    if (parsed.kind !== 'records') throw new TopicError(`"${topic}" is not a record topic.`);
    const group = this.#group(sub.auth, options.name ?? topic, parsed.collection, parsed.recordId, options);
    group.members.set(sub, (group.members.get(sub) ?? 0) + 1);
    this.#subscriptions++;
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.#subscriptions--;
      const left = (group.members.get(sub) ?? 1) - 1;
      if (left > 0) group.members.set(sub, left);
      else group.members.delete(sub);
      if (group.members.size === 0) this.#dropGroup(group);
    };
  }

  /** Subscribes to a custom topic (`@name`), fed by `publishCustom` from any node. */
  subscribeCustom(sub: RealtimeSubscriber, topic: string, name = topic): () => void {
    let subs = this.#custom.get(topic);
    if (subs === undefined) {
      subs = new Map();
      this.#custom.set(topic, subs);
    }
    subs.set(sub, name);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      subs.delete(sub);
      if (subs.size === 0 && this.#custom.get(topic) === subs) this.#custom.delete(topic);
    };
  }

  /**
   * Sends `data` to every subscriber of the custom `topic` on every node. Not for `@oauth2`: its
   * payload is for one client only (`RealtimeClients.sendToClient`).
   */
  async publishCustom(topic: string, data: unknown): Promise<void> {
    if (topic.startsWith('@oauth2')) throw new TypeError('realtime: "@oauth2" messages go to one client (clients.sendToClient), never to every subscriber');
    const message: CustomMessage = { t: topic, d: data };
    await this.#deps.pubsub.publish(CH_CUSTOM, message);
  }

  /** Delivers a custom event to one local subscriber (the registry uses it for client-addressed messages). */
  deliverCustom(sub: RealtimeSubscriber, topic: string, data: unknown): boolean {
    const event: RealtimeEvent = { topic, data: JSON.stringify(data ?? null) };
    if (!this.#hooked()) return this.#count(sub.deliver(event));
    this.#sendHooked(sub, event);
    return true;
  }

  /**
   * An auth record changed on some node (secrets removed). Before this event is fanned out, so
   * connections authenticated as that record see its new state (`Realtime` refreshes or closes them).
   */
  protected authRecordChanged(_action: RecordChangeAction, _collection: Collection, _record: RecordJson): void {}

  // --- groups ----------------------------------------------------------------------------------

  #group(auth: AuthState | null, name: string, collection: string, recordId: string | null, options: RecordSubscriptionOptions): Group {
    const superuser = isSuperuser(auth);
    const rAuth = ruleAuth(auth);
    const identity = superuser ? `su:${rAuth?.id ?? ''}` : rAuth === null ? 'guest' : `auth:${JSON.stringify(rAuth)}`;
    const filter = options.filter?.trim() ?? '';
    const expand = options.expand?.trim() ?? '';
    const fields = options.fields?.trim() ?? '';
    const query = options.query ?? {};
    const headers = options.headers ?? {};
    const inputsKey = JSON.stringify([filter, sortedEntries(query), sortedEntries(headers)]);
    const indexKey = `${collection.toLowerCase()}/${recordId ?? '*'}`;
    const key = JSON.stringify([name, indexKey, inputsKey, expand, fields, identity]);
    let group = this.#groups.get(key);
    if (group !== undefined) return group;
    const request: RequestInfo = { auth: rAuth, method: 'GET', query, headers, body: {}, context: 'realtime' };
    group = new Group(key, name, indexKey, recordId === null, filter, expand, fields, inputsKey, rAuth, superuser, identity, request);
    this.#groups.set(key, group);
    let set = this.#index.get(indexKey);
    if (set === undefined) {
      set = new Set();
      this.#index.set(indexKey, set);
    }
    set.add(group);
    return group;
  }

  #dropGroup(group: Group): void {
    this.#releasePlan(group.plan);
    group.plan = undefined;
    this.#groups.delete(group.key);
    const set = this.#index.get(group.indexKey);
    if (set === undefined) return;
    set.delete(group);
    if (set.size === 0) this.#index.delete(group.indexKey);
  }

  /** The group's rule, filter and memo keys for this collection object (cached until the schema changes). */
  #plan(group: Group, c: Collection): GroupPlan {
    if (group.plan !== undefined && group.plan.collection === c) return group.plan;
    const schema = this.#deps.collections;
    let rule: PreparedRule | null = null;
    let filter: PreparedRule | null = null;
    let deny = false;
    const ruleText = group.all ? c.listRule : c.viewRule;
    const segments = new Set<string>();
    try {
      if (!group.superuser) {
        if (ruleText === null || ruleText === undefined) deny = true;
        else if (ruleText !== '') {
          rule = prepareRule(ruleText, { collection: c, schema, limits: RULE_PARSE_LIMITS });
          authSegments(rule, segments);
        }
      }
      if (group.filter !== '') {
        filter = prepareRule(group.filter, { collection: c, schema, allowHiddenFields: group.superuser });
        // A client filter may not read @request/@collection unless a superuser wrote it (as for lists).
        if (!group.superuser && filter.usesRequestOrCollection) deny = true;
        authSegments(filter, segments);
      }
    } catch {
      // A filter that does not parse, or a stored rule that no longer resolves: nothing is sent.
      deny = true;
    }
    const auth = group.auth;
    const projection = group.superuser
      ? 'su'
      : auth === null
        ? 'guest'
        : segments.has('*')
          ? group.identity
          : JSON.stringify([...segments].sort().map((s) => [s, auth[s] ?? null]));
    const personal = !group.superuser && (c.type === 'auth' || group.expand !== '');
    if (group.fields !== '' && group.fieldsSpec === undefined) {
      try {
        group.fieldsSpec = compileFields(group.fields);
      } catch {
        deny = true;
      }
    }
    const plan: GroupPlan = {
      collection: c,
      deny,
      rule,
      filter,
      decision: acquire(this.#decisionSlots, `${group.all ? '*' : '1'}\u0000${group.inputsKey}\u0000${projection}`),
      output: acquire(this.#outputSlots, JSON.stringify([group.superuser, group.expand, group.fields, personal ? group.identity : ''])),
    };
    this.#releasePlan(group.plan);
    group.plan = plan;
    return plan;
  }

  #releasePlan(plan: GroupPlan | undefined): void {
    if (plan === undefined) return;
    release(this.#decisionSlots, plan.decision);
    release(this.#outputSlots, plan.output);
  }

  // --- events ----------------------------------------------------------------------------------

  #publishChange(e: RecordChange): void {
    const record = e.collection.type === 'auth' ? withoutSecrets(e.record) : e.record;
    const message: RecordMessage = { a: e.action, c: e.collection.id, r: record };
    this.#deps.pubsub.publish(CH_RECORDS, message).catch((err: unknown) => this.#report(err, 'publishing a record event'));
  }

  #onRecordMessage(m: RecordMessage): void {
    if (m === null || typeof m !== 'object' || typeof m.c !== 'string' || m.r === null || typeof m.r !== 'object') return;
    const c = this.#deps.collections.find(m.c);
    if (c?.type === 'auth') {
      try {
        this.authRecordChanged(m.a, c, m.r);
      } catch (err) {
        this.#report(err, 'updating the clients of a changed auth record');
      }
    }
    // Events are fanned out one at a time, so every subscriber sees a record's changes in commit order.
    this.#chain = this.#chain.then(() => this.#fanOut(m)).catch((err: unknown) => this.#report(err, 'fanning out a record event'));
  }

  #groupsFor(c: Collection, recordId: string): Group[] {
    const keys = new Set([`${c.name.toLowerCase()}/*`, `${c.id.toLowerCase()}/*`, `${c.name.toLowerCase()}/${recordId}`, `${c.id.toLowerCase()}/${recordId}`]);
    const out: Group[] = [];
    for (const k of keys) {
      const set = this.#index.get(k);
      if (set !== undefined) for (const g of set) out.push(g);
    }
    return out;
  }

  async #fanOut(m: RecordMessage): Promise<void> {
    if (this.#index.size === 0) return;
    const c = this.#deps.collections.find(m.c);
    if (c === undefined) return;
    const recordId = String(m.r.id ?? '');
    const groups = this.#groupsFor(c, recordId);
    if (groups.length === 0) return;
    const seq = ++this.#seq;
    // 1. One decision per distinct rule input, in memory where the matcher decides; the rest in
    //    one batched query per event (`SQL_DECISIONS_PER_QUERY` decisions per statement).
    const live: GroupPlan[] = [];
    const liveGroups: Group[] = [];
    const undecided: Array<{ plan: GroupPlan; group: Group }> = [];
    for (const group of groups) {
      if (group.members.size === 0) continue;
      const plan = this.#plan(group, c);
      if (plan.deny) continue;
      const slot = plan.decision;
      if (slot.seq !== seq) {
        slot.seq = seq;
        const decided = this.#decide(m, plan, group);
        slot.value = decided === 'sql' ? false : decided;
        if (decided === 'sql') undecided.push({ plan, group });
      }
      live.push(plan);
      liveGroups.push(group);
    }
    if (undecided.length > 0) await this.#decideWithSql(m, c, undecided);
    // 2. One shaped, serialised payload per distinct output. An `onRecordEnrich` handler may make
    //    it depend on who asks (`e.context`), which the shared output keys do not name: while one
    //    is bound, every group shapes its own (one length check per event when none is).
    const perGroup = this.#deps.records.enricher() !== undefined;
    const allowed: OutputSlot[] = [];
    const allowedGroups: Group[] = [];
    const pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < live.length; i++) {
      const plan = live[i]!;
      if (plan.decision.value !== true) continue;
      const group = liveGroups[i]!;
      const slot = perGroup ? group.output : plan.output;
      if (slot.seq !== seq) {
        slot.seq = seq;
        const shaped = this.#output(m, c, group);
        slot.value = shaped;
        pending.push(shaped.then((v) => (slot.value = v)));
      }
      allowed.push(slot);
      allowedGroups.push(group);
    }
    if (pending.length > 0) await Promise.all(pending);
    // 3. Deliver, group by group, in the order the groups were subscribed.
    for (let i = 0; i < allowed.length; i++) {
      const out = allowed[i]!.value as Output | undefined;
      if (out === undefined) continue;
      const group = allowedGroups[i]!;
      const event: RealtimeEvent = { topic: group.name, action: m.a, record: out.record, data: out.data };
      if (this.#hooked()) for (const sub of group.members.keys()) this.#sendHooked(sub, event);
      else for (const sub of group.members.keys()) this.#count(sub.deliver(event));
    }
  }

  /** In memory when the matcher can decide; else 'sql'. */
  #decide(m: RecordMessage, plan: GroupPlan, group: Group): boolean | 'sql' {
    let undecided = false;
    for (const rule of [plan.rule, plan.filter]) {
      if (rule === null) continue;
      let r: boolean | 'undecided';
      try {
        r = rule.match({ record: m.r, request: group.request });
      } catch {
        return false;
      }
      if (r === false) return false;
      if (r === 'undecided') undecided = true;
    }
    return undecided ? 'sql' : true;
  }

  /**
   * Decides many rule inputs (typically one per signed-in user) with one statement: each becomes
   * a column `CASE WHEN <rule> AND <filter> THEN 1 ELSE 0 END` of a SELECT on the record's row, so
   * the cost per event is one query per `SQL_DECISIONS_PER_QUERY` decisions, not one per group.
   * Sets each decision's slot; a failed query denies (reported).
   */
  async #decideWithSql(m: RecordMessage, c: Collection, batch: ReadonlyArray<{ plan: GroupPlan; group: Group }>): Promise<void> {
    const { db } = this.#deps;
    // A deleted row is gone when the event is published: the rules read its last state instead,
    // bound as a one-row table under another name (relation paths still join the live tables).
    const deleted = m.a === 'delete' ? deletedRow(c, m.r, db.dialect) : undefined;
    const table = quoteIdent(deleted === undefined ? c.name : DELETED_ALIAS);
    const from = deleted === undefined ? `${table} WHERE ${table}."id" = ?` : `(${deleted.sql}) AS ${table}`;
    const chunks: Array<Promise<void>> = [];
    for (let start = 0; start < batch.length; start += SQL_DECISIONS_PER_QUERY) {
      const chunk = batch.slice(start, start + SQL_DECISIONS_PER_QUERY);
      const columns: string[] = [];
      const params: SqlParam[] = [];
      chunk.forEach(({ plan, group }, i) => {
        const where: string[] = [];
        for (const rule of [plan.rule, plan.filter]) {
          if (rule === null) continue;
          const frag = rule.toSql({ dialect: db.dialect, request: group.request, ...(deleted === undefined ? {} : { alias: DELETED_ALIAS }) });
          where.push(`(${frag.sql})`);
          params.push(...frag.params);
        }
        columns.push(`CASE WHEN ${where.length > 0 ? where.join(' AND ') : '1 = 1'} THEN 1 ELSE 0 END AS "d${i}"`);
      });
      // Parameters in text order: the columns', then the FROM's.
      if (deleted === undefined) params.push(String(m.r.id));
      else params.push(...deleted.params);
      const sql = `SELECT ${columns.join(', ')} FROM ${from} LIMIT 1`;
      chunks.push(
        db.get(sql, params).then(
          (row) => chunk.forEach(({ plan }, i) => (plan.decision.value = row !== undefined && Number(row[`d${i}`]) === 1)),
          (err: unknown) => this.#report(err, 'checking a realtime rule'),
        ),
      );
    }
    await Promise.all(chunks);
  }

  async #output(m: RecordMessage, c: Collection, group: Group): Promise<Output | undefined> {
    const ctx: RecordContext = { auth: group.auth, isSuperuser: group.superuser, request: group.request };
    try {
      let record = await this.#deps.records.shape(c, m.r, ctx, group.expand === '' ? {} : { expand: group.expand });
      if (group.fieldsSpec !== undefined) record = pickFields(record, group.fieldsSpec);
      return { record, data: JSON.stringify({ action: m.a, record }) };
    } catch (err) {
      this.#report(err, 'shaping a realtime record');
      return undefined;
    }
  }

  #onCustomMessage(m: CustomMessage): void {
    if (m === null || typeof m !== 'object' || typeof m.t !== 'string') return;
    const subs = this.#custom.get(m.t);
    if (subs === undefined) return;
    const data = JSON.stringify(m.d ?? null);
    const events = new Map<string, RealtimeEvent>();
    const hooked = this.#hooked();
    for (const [sub, name] of subs) {
      let event = events.get(name);
      if (event === undefined) {
        event = { topic: name, data };
        events.set(name, event);
      }
      if (hooked) this.#sendHooked(sub, event);
      else this.#count(sub.deliver(event));
    }
  }

  /**
   * Whether deliveries go through `onRealtimeMessageSend`: a handler is bound, or deliveries are
   * still waiting in it (then the next ones queue behind them, so a connection's events keep
   * their order when the last handler is unbound). Checked once per group and event, never per
   * delivery: with no handler, the fan-out writes the group's shared bytes as before.
   */
  #hooked(): boolean {
    const hook = this.#deps.messageSend;
    return hook !== undefined && (hook.length > 0 || this.#sendingCount > 0);
  }

  /**
   * One delivery through the handlers: the shared payload is parsed into this client's own copy,
   * and what the chain leaves is encoded again for this client only. Handlers may be async, so a
   * connection's deliveries are chained to keep their order.
   */
  #sendHooked(sub: RealtimeSubscriber, event: RealtimeEvent): void {
    const client = sub.connection;
    const hook = this.#deps.messageSend;
    if (client === undefined || hook === undefined) {
      this.#count(sub.deliver(event));
      return;
    }
    this.#sendingCount++;
    const send = async (): Promise<void> => {
      const e: RealtimeMessageEvent = { client, message: { name: event.topic, data: JSON.parse(event.data) as unknown } };
      await hook.trigger(e, ({ message }) => {
        this.#count(sub.deliver({ topic: message.name, data: JSON.stringify(message.data ?? null) }));
      });
    };
    const done: Promise<void> = (this.#sending.get(sub) ?? Promise.resolve())
      .then(send)
      .catch((err: unknown) => this.#report(err, 'in an onRealtimeMessageSend handler'))
      .finally(() => {
        this.#sendingCount--;
        if (this.#sending.get(sub) === done) this.#sending.delete(sub);
      });
    this.#sending.set(sub, done);
  }

  #count(ok: boolean): boolean {
    if (ok) this.#deliveries++;
    else this.#refused++;
    return ok;
  }

  #report(err: unknown, what: string): void {
    if (this.#deps.onError) this.#deps.onError(err, what);
    else console.error(`realtime: failed ${what}:`, err);
  }
}

/** The `@request.auth.<field>` names a rule reads (`*` when it reads the auth record as a whole). */
function authSegments(rule: PreparedRule, into: Set<string>): void {
  walk(rule.ast, (n) => {
    if (n.kind !== 'identifier' || !n.name.startsWith('@request.auth')) return;
    const rest = n.name.slice('@request.auth'.length);
    if (!rest.startsWith('.')) {
      into.add('*');
      return;
    }
    const segment = rest.slice(1).split(/[.:]/)[0] ?? '';
    into.add(segment === '' ? '*' : segment);
  });
}

function acquire<T>(slots: Map<string, Slot<T>>, key: string): Slot<T> {
  let slot = slots.get(key);
  if (slot === undefined) {
    slot = new Slot<T>(key);
    slots.set(key, slot);
  }
  slot.refs++;
  return slot;
}

function release<T>(slots: Map<string, Slot<T>>, slot: Slot<T>): void {
  if (--slot.refs <= 0 && slots.get(slot.key) === slot) slots.delete(slot.key);
}

function sortedEntries(o: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const DELETED_ALIAS = '_deleted';

/**
 * PostgreSQL types for a bound value to compare like the stored column
 * (docs/internals/storage-layout.md); SQLite compares bound values as stored without casts.
 */
const PG_CASTS: Record<string, string> = { number: 'DOUBLE PRECISION', bool: 'BOOLEAN', json: 'JSONB', geoPoint: 'JSONB' };

/** `SELECT ? AS "id", ? AS "title", …`: the record's last state as a one-row table, values encoded as stored. */
function deletedRow(c: Collection, record: RecordJson, dialect: Dialect): { sql: string; params: SqlParam[] } {
  const columns: string[] = [];
  const params: SqlParam[] = [];
  for (const field of c.fields) {
    const value = encodeValue(field, record[field.name]);
    params.push(value);
    let cast: string | undefined;
    if (dialect === 'postgres') {
      const multiple = (field.type === 'select' || field.type === 'file' || field.type === 'relation') && isMultiple(field);
      cast = multiple ? 'JSONB' : PG_CASTS[field.type];
    }
    const bound = dialect !== 'postgres' ? '?' : cast !== undefined ? `CAST(? AS ${cast})` : `CAST(? AS TEXT) COLLATE "C"`;
    columns.push(`${bound} AS ${quoteIdent(field.name)}`);
  }
  return { sql: `SELECT ${columns.join(', ')}`, params };
}

/** Secrets never travel on the bus (Redis): output shaping drops them anyway. */
function withoutSecrets(record: RecordJson): RecordJson {
  const { password: _password, tokenKey: _tokenKey, ...rest } = record;
  return rest as RecordJson;
}
