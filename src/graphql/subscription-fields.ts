/**
 * Subscription root fields: `<q>Events(id: ID, filter: String)` per collection, fed by the realtime
 * broker (`app.realtime`), which does the rule checks exactly as for SSE and WebSocket
 * subscribers: the list rule for `coll/*`, the view rule for `coll/id`, the filter, hidden fields
 * and email visibility. Each event then runs the selection with fresh loaders, so nested relations
 * are read (and rule-checked) as of that event.
 */
import { GraphQLID, GraphQLNonNull, GraphQLObjectType, GraphQLString } from 'graphql';
import type { GraphQLFieldConfigMap } from 'graphql';
import { apiError } from '../core/errors.js';
import type { Collection } from '../core/schema.js';
import type { RealtimeBroker } from '../realtime/realtime-broker.js';
import type { RecordJson } from '../records/record-codec.js';
import { invalidFilterError, RuleSyntaxError } from '../rules/index.js';
import type { CollectionNames, SchemaVariant } from './build-schema.js';
import type { GraphQLContext } from './graphql-context.js';

/** The part of the realtime broker (`app.realtime`) GraphQL uses. */
export type RecordEventBroker = Pick<RealtimeBroker, 'subscribeRecords'>;

/** Events a subscription may hold before the broker is told it is full (it then drops the client). */
export const MAX_QUEUED_EVENTS = 1000;

interface RecordEvent {
  action: string;
  record: RecordJson | null;
}

/** A bounded push queue read as an async iterator; `close` runs once when the reader stops. */
function eventStream(close: () => void): { push(e: RecordEvent): boolean; iterator: AsyncIterableIterator<RecordEvent>; setClose(fn: () => void): void } {
  const buffer: RecordEvent[] = [];
  let waiting: ((r: IteratorResult<RecordEvent>) => void) | undefined;
  let done = false;
  let onClose = close;
  const finish = (): void => {
    if (done) return;
    done = true;
    onClose();
    waiting?.({ value: undefined, done: true });
    waiting = undefined;
  };
  const iterator: AsyncIterableIterator<RecordEvent> = {
    next: () => {
      const item = buffer.shift();
      if (item !== undefined) return Promise.resolve({ value: item, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return: () => {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return {
    push(e) {
      if (done) return false;
      if (waiting !== undefined) {
        const w = waiting;
        waiting = undefined;
        w({ value: e, done: false });
        return true;
      }
      if (buffer.length >= MAX_QUEUED_EVENTS) return false;
      buffer.push(e);
      return true;
    },
    iterator,
    setClose(fn) {
      onClose = fn;
    },
  };
}

/**
 * A filter that does not parse is refused when subscribing (the broker would only find out at the
 * first event, and then deliver nothing): the same error as a list's bad `filter`.
 */
function checkFilter(ctx: GraphQLContext, c: Collection, filter: string): void {
  const current = ctx.deps.collections.find(c.id) ?? c;
  try {
    ctx.deps.reader.prepareFilter(current, filter, ctx.record.isSuperuser);
  } catch (err) {
    if (err instanceof RuleSyntaxError) throw invalidFilterError(err);
    throw err;
  }
}

export function subscriptionFields(
  collections: readonly Collection[],
  names: Map<string, CollectionNames>,
  typeOf: (c: Collection) => GraphQLObjectType<RecordJson, GraphQLContext>,
  variant: SchemaVariant,
): GraphQLFieldConfigMap<unknown, GraphQLContext> {
  const fields: GraphQLFieldConfigMap<unknown, GraphQLContext> = {};
  for (const c of collections) {
    const canList = variant.superuser || c.listRule !== null;
    const canView = variant.superuser || c.viewRule !== null;
    if (c.type === 'view' || (!canList && !canView)) continue;
    const n = names.get(c.id) as CollectionNames;
    const EventType = new GraphQLObjectType<RecordEvent, GraphQLContext>({
      name: `${n.type}Event`,
      fields: {
        action: { type: new GraphQLNonNull(GraphQLString), description: '`create`, `update` or `delete`.' },
        record: { type: typeOf(c), description: 'The record as the requester may see it (delete: its last state).' },
      },
    });
    fields[`${n.root}Events`] = {
      type: new GraphQLNonNull(EventType),
      description: `Changes to \`${c.name}\` records: all of them (list rule) or one by \`id\` (view rule), optionally filtered.`,
      args: { id: { type: GraphQLID }, filter: { type: GraphQLString } },
      subscribe: (_root, args: { id?: string | null; filter?: string | null }, ctx) => {
        const broker = ctx.broker;
        if (broker === undefined) throw apiError('unavailable', 'Realtime is not available on this node.');
        const topic = args.id != null ? `${c.name}/${args.id}` : `${c.name}/*`;
        if (args.filter != null && args.filter !== '') checkFilter(ctx, c, args.filter);
        const stream = eventStream(() => {});
        const options = {
          headers: ctx.record.request.headers ?? {},
          ...(args.filter != null && args.filter !== '' ? { filter: args.filter } : {}),
        };
        let unsubscribe: () => void;
        try {
          unsubscribe = broker.subscribeRecords(
            {
              auth: ctx.auth,
              deliver(event) {
                // record topics deliver record events only; anything else is not for this stream
                if (event.action === undefined) return true;
                return stream.push({ action: event.action, record: event.record ?? null });
              },
            },
            topic,
            options,
          );
        } catch (err) {
          // a malformed topic (an id with characters topics cannot carry) is the client's input
          if (err instanceof Error && err.name === 'TopicError') throw apiError('bad_request', err.message);
          throw err;
        }
        stream.setClose(unsubscribe);
        return stream.iterator;
      },
      resolve: (event: unknown, _args, ctx) => {
        ctx.loaders = ctx.newLoaders();
        return event as RecordEvent;
      },
    };
  }
  return fields;
}
