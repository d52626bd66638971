/**
 * The GraphQL schema of a set of collections. Two variants are built per schema version: one for
 * superusers (everything) and one for everyone else, which leaves out what a non-superuser can
 * never use or see — hidden fields, operations whose API rule is null (superusers only), and
 * collections with no rule open at all — so the public SDL does not list them.
 *
 * Every resolver goes through the same services as REST: `RecordService` for the root queries and
 * mutations (rules, validation, modifiers, output shaping), `RecordLoaders` for nested relations
 * (view rule per related record, batched per level).
 */
import {
  GraphQLBoolean, GraphQLFloat, GraphQLID, GraphQLInputObjectType, GraphQLInt, GraphQLList, GraphQLNonNull,
  GraphQLObjectType, GraphQLSchema, GraphQLString,
} from 'graphql';
import type {
  GraphQLFieldConfig, GraphQLFieldConfigMap, GraphQLInputFieldConfigMap, GraphQLInputType, GraphQLOutputType,
} from 'graphql';
import { isApiError } from '../core/errors.js';
import type { Collection, Field, RelationField } from '../core/schema.js';
import { isMultiple } from '../core/schema.js';
import type { RecordJson } from '../records/record-codec.js';
import { MAX_PER_PAGE } from '../records/record-service.js';
import { authMutationFields } from './auth-mutations.js';
import type { GraphQLContext } from './graphql-context.js';
import { graphqlName, NameRegistry, pascalCase } from './graphql-names.js';
import { DateTimeScalar, JSONScalar } from './graphql-scalars.js';
import { PAGE_TYPE_EXTENSION } from './query-limits.js';
import { idList } from './record-loaders.js';
import { subscriptionFields } from './subscription-fields.js';

export interface SchemaVariant {
  /** Built for superusers: hidden fields and null-rule operations included. */
  superuser: boolean;
  /** Adds the Subscription root (the realtime broker exists). */
  subscriptions: boolean;
}

/** Names given to one collection; the docs describe the mapping. */
export interface CollectionNames {
  type: string;
  /** Root field base: `<q>`, `<q>List`, `<q>Create`... */
  root: string;
}

type Fields = GraphQLFieldConfigMap<RecordJson, GraphQLContext>;

const nn = <T extends GraphQLOutputType>(t: T) => new GraphQLNonNull(t);
const list = (t: GraphQLOutputType) => new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(t)));
const inList = (t: GraphQLInputType) => new GraphQLList(new GraphQLNonNull(t));

const GeoPointType = new GraphQLObjectType({
  name: 'GeoPoint',
  fields: { lon: { type: nn(GraphQLFloat) }, lat: { type: nn(GraphQLFloat) } },
});
const GeoPointInputType = new GraphQLInputObjectType({
  name: 'GeoPointInput',
  fields: { lon: { type: new GraphQLNonNull(GraphQLFloat) }, lat: { type: new GraphQLNonNull(GraphQLFloat) } },
});

/** Whether a non-superuser could ever pass `rule` (null = superusers only). */
const open = (rule: string | null | undefined, v: SchemaVariant): boolean => v.superuser || (rule !== null && rule !== undefined);

export function visibleField(f: Field, c: Collection, v: SchemaVariant): boolean {
  if (f.type === 'password') return false;
  if (c.type === 'auth' && f.name === 'tokenKey') return false;
  return v.superuser || !f.hidden;
}

export interface BuiltSchema {
  schema: GraphQLSchema;
  names: Map<string, CollectionNames>;
}

export function buildGraphQLSchema(all: readonly Collection[], variant: SchemaVariant): BuiltSchema {
  const collections = all.filter((c) => variant.superuser || c.type === 'auth'
    || [c.listRule, c.viewRule, c.createRule, c.updateRule, c.deleteRule].some((r) => r !== null));
  const byId = new Map(collections.map((c) => [c.id, c]));

  // Names: user collections first (creation order), so a system collection never takes a user's name.
  const ordered = [...collections.filter((c) => !c.system), ...collections.filter((c) => c.system)];
  const types = NameRegistry.forTypes();
  const roots = new NameRegistry(['__typename']);
  const names = new Map<string, CollectionNames>();
  for (const c of ordered) {
    const type = types.claim(pascalCase(c.name), (t) => [t, `${t}List`, `${t}Input`, `${t}Auth`, `${t}Event`]);
    const root = roots.claim(graphqlName(c.name), (q) => [q, `${q}List`, `${q}Create`, `${q}Update`, `${q}Delete`, `${q}AuthWithPassword`, `${q}AuthRefresh`, `${q}Events`]);
    names.set(c.id, { type, root });
  }

  const objectTypes = new Map<string, GraphQLObjectType<RecordJson, GraphQLContext>>();
  const typeOf = (c: Collection) => objectTypes.get(c.id) as GraphQLObjectType<RecordJson, GraphQLContext>;
  for (const c of collections) {
    const n = names.get(c.id) as CollectionNames;
    objectTypes.set(c.id, new GraphQLObjectType<RecordJson, GraphQLContext>({
      name: n.type,
      description: `A record of the \`${c.name}\` collection.`,
      fields: () => recordFields(c, variant, byId, typeOf),
    }));
  }

  const query: Fields = {};
  const mutation: Fields = {};
  for (const c of ordered) {
    const n = names.get(c.id) as CollectionNames;
    const T = typeOf(c);
    if (open(c.viewRule, variant)) {
      query[n.root] = {
        type: T,
        description: `One \`${c.name}\` record by id (null when missing or hidden by the view rule).`,
        args: { id: { type: new GraphQLNonNull(GraphQLID) } },
        resolve: async (_root, args: { id: string }, ctx) => {
          try {
            return (await ctx.deps.records.view(c.id, args.id, {}, ctx.record)).record;
          } catch (err) {
            if (isApiError(err) && err.code === 'not_found') return null;
            throw err;
          }
        },
      };
    }
    if (open(c.listRule, variant)) {
      query[`${n.root}List`] = {
        type: nn(new GraphQLObjectType({
          name: `${n.type}List`,
          extensions: { [PAGE_TYPE_EXTENSION]: true },
          fields: {
            page: { type: nn(GraphQLInt) },
            perPage: { type: nn(GraphQLInt) },
            totalItems: { type: nn(GraphQLInt), description: '-1 with skipTotal.' },
            totalPages: { type: nn(GraphQLInt), description: '-1 with skipTotal.' },
            items: { type: list(T) },
          },
        })),
        description: `A page of \`${c.name}\` records: the same filter and sort language and list rule as REST.`,
        args: {
          filter: { type: GraphQLString },
          sort: { type: GraphQLString },
          page: { type: GraphQLInt },
          perPage: { type: GraphQLInt },
          skipTotal: { type: GraphQLBoolean },
        },
        resolve: (_root, args: { filter?: string | null; sort?: string | null; page?: number | null; perPage?: number | null; skipTotal?: boolean | null }, ctx) =>
          ctx.deps.records.list(c.id, {
            ...(args.filter != null ? { filter: args.filter } : {}),
            ...(args.sort != null ? { sort: args.sort } : {}),
            ...(args.page != null ? { page: args.page } : {}),
            ...(args.perPage != null ? { perPage: args.perPage } : {}),
            ...(args.skipTotal != null ? { skipTotal: args.skipTotal } : {}),
          }, ctx.record),
      };
    }
    if (c.type !== 'view') Object.assign(mutation, writeMutations(c, n, T, variant));
    if (c.type === 'auth') Object.assign(mutation, authMutationFields(c, n, T));
  }

  const subscription = variant.subscriptions ? subscriptionFields(ordered, names, typeOf, variant) : {};
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: Object.keys(query).length > 0 ? query : emptyQuery() }),
    ...(Object.keys(mutation).length > 0 ? { mutation: new GraphQLObjectType({ name: 'Mutation', fields: mutation }) } : {}),
    ...(Object.keys(subscription).length > 0 ? { subscription: new GraphQLObjectType({ name: 'Subscription', fields: subscription }) } : {}),
  });
  return { schema, names };
}

/** GraphQL requires at least one query field; with nothing readable there is only this. */
function emptyQuery(): Fields {
  return { _empty: { type: GraphQLBoolean, description: 'Nothing is readable with this identity.', resolve: () => null } };
}

function scalarType(f: Field): GraphQLOutputType {
  switch (f.type) {
    case 'number':
      return GraphQLFloat;
    case 'bool':
      return GraphQLBoolean;
    case 'date':
    case 'autodate':
      return DateTimeScalar;
    case 'json':
      return JSONScalar;
    case 'geoPoint':
      return GeoPointType;
    case 'select':
    case 'file':
    case 'relation':
      return isMultiple(f) ? list(f.type === 'relation' ? GraphQLID : GraphQLString) : f.type === 'relation' ? GraphQLID : GraphQLString;
    default:
      return GraphQLString;
  }
}

/** A stored value for its GraphQL type: multi-valued fields are always lists (never null). */
function stored(f: Field, value: unknown): unknown {
  if (isMultiple(f)) return Array.isArray(value) ? value : idList(value);
  return value ?? null;
}

function fileUrl(c: Collection, r: RecordJson, name: string): string {
  return `/api/files/${encodeURIComponent(c.id)}/${encodeURIComponent(String(r.id))}/${encodeURIComponent(name)}`;
}

function recordFields(
  c: Collection,
  v: SchemaVariant,
  byId: Map<string, Collection>,
  typeOf: (c: Collection) => GraphQLObjectType<RecordJson, GraphQLContext>,
): Fields {
  const reg = new NameRegistry(['id', 'collectionId', 'collectionName']);
  const fields: Fields = {
    id: { type: nn(GraphQLID) },
    collectionId: { type: nn(GraphQLString) },
    collectionName: { type: nn(GraphQLString) },
  };
  const visible = c.fields.filter((f) => f.name !== 'id' && visibleField(f, c, v));
  const own = new Map(visible.map((f) => [f, reg.claim(graphqlName(f.name))]));
  for (const [f, name] of own) {
    const key = f.name;
    const target = f.type === 'relation' ? byId.get(f.collectionId) : undefined;
    if (f.type === 'relation' && target !== undefined && open(target.viewRule, v)) {
      const T = typeOf(target);
      fields[name] = isMultiple(f)
        ? {
            type: list(T),
            description: `Related \`${target.name}\` records this requester may view.`,
            resolve: async (r, _a, ctx) => {
              const found = await Promise.all(idList(r[key]).map((id) => ctx.loaders.record(target, id)));
              return found.filter((x) => x !== null);
            },
          }
        : {
            type: T,
            description: `The related \`${target.name}\` record (null when unset or hidden by its view rule).`,
            resolve: (r, _a, ctx) => {
              const id = idList(r[key])[0];
              return id === undefined ? null : ctx.loaders.record(target, id);
            },
          };
      const idsName = reg.claim(graphqlName(`${f.name}_${isMultiple(f) ? 'ids' : 'id'}`));
      fields[idsName] = { type: scalarType(f), description: `The stored id(s) of \`${f.name}\`.`, resolve: (r) => stored(f, r[key]) };
      continue;
    }
    fields[name] = { type: scalarType(f), resolve: (r) => stored(f, r[key]) };
    if (f.type === 'file') {
      const urlName = reg.claim(graphqlName(`${f.name}_url`));
      fields[urlName] = {
        type: scalarType(f),
        description: `Path of the file(s) of \`${f.name}\` under the server URL (protected files need \`?token=\`).`,
        resolve: (r) => {
          const value = r[key];
          if (isMultiple(f)) return idList(value).map((x) => fileUrl(c, r, x));
          return typeof value === 'string' && value !== '' ? fileUrl(c, r, value) : null;
        },
      };
    }
  }
  // back-relations: `<other>_via_<field>` for every readable relation field pointing here
  for (const x of byId.values()) {
    if (x.type === 'view' || !open(x.viewRule, v)) continue;
    for (const f of x.fields) {
      if (f.type !== 'relation' || f.collectionId !== c.id || !visibleField(f, x, v)) continue;
      const rel = f as RelationField;
      const X = typeOf(x);
      const via = reg.claim(graphqlName(`${x.name}_via_${f.name}`));
      fields[via] = {
        type: list(X),
        description: `\`${x.name}\` records whose \`${f.name}\` points at this record (view rule applied), oldest first; \`limit\`: the first n.`,
        args: { limit: { type: GraphQLInt } },
        resolve: (r, args: { limit?: number | null }, ctx) => {
          const limit = args.limit == null ? undefined : Math.max(0, Math.min(args.limit, MAX_PER_PAGE));
          return ctx.loaders.backRelation(x, rel, String(r.id), limit);
        },
      };
      const count = reg.claim(`${via}_count`);
      fields[count] = {
        type: nn(GraphQLInt),
        description: `How many \`${x.name}\` records this requester may view point at this record through \`${f.name}\`.`,
        resolve: (r, _a, ctx) => ctx.loaders.backRelationCount(x, rel, String(r.id)),
      };
    }
  }
  return fields;
}

/** Input field name -> request body key (PocketBase's modifier keys included). */
type BodyMap = Map<string, string>;

function inputFor(c: Collection, n: CollectionNames, v: SchemaVariant): { type: GraphQLInputObjectType; body: BodyMap } {
  const reg = new NameRegistry();
  const fields: GraphQLInputFieldConfigMap = {};
  const body: BodyMap = new Map();
  const add = (gqlName: string, key: string, type: GraphQLInputType, description?: string): void => {
    const name = reg.claim(graphqlName(gqlName));
    fields[name] = description === undefined ? { type } : { type, description };
    body.set(name, key);
  };
  for (const f of c.fields) {
    if (!visibleField(f, c, v) || f.type === 'autodate' || f.type === 'file') continue;
    if (c.type === 'auth' && f.name === 'password') continue;
    const multi = isMultiple(f);
    switch (f.type) {
      case 'number':
        add(f.name, f.name, GraphQLFloat);
        add(`${f.name}_add`, `${f.name}+`, GraphQLFloat, `Adds to the stored value (\`${f.name}+\`).`);
        add(`${f.name}_subtract`, `${f.name}-`, GraphQLFloat, `Subtracts from the stored value (\`${f.name}-\`).`);
        break;
      case 'bool':
        add(f.name, f.name, GraphQLBoolean);
        break;
      case 'json':
        add(f.name, f.name, JSONScalar);
        break;
      case 'date':
        add(f.name, f.name, DateTimeScalar);
        break;
      case 'geoPoint':
        add(f.name, f.name, GeoPointInputType);
        break;
      case 'select':
      case 'relation': {
        const item = f.type === 'relation' ? GraphQLID : GraphQLString;
        add(f.name, f.name, multi ? inList(item) : item);
        if (multi) {
          add(`${f.name}_append`, `${f.name}+`, inList(item), `Appends values (\`${f.name}+\`).`);
          add(`${f.name}_prepend`, `+${f.name}`, inList(item), `Prepends values (\`+${f.name}\`).`);
          add(`${f.name}_remove`, `${f.name}-`, inList(item), `Removes values (\`${f.name}-\`).`);
        }
        break;
      }
      default:
        add(f.name, f.name, GraphQLString);
    }
  }
  if (c.type === 'auth') {
    add('password', 'password', GraphQLString);
    add('passwordConfirm', 'passwordConfirm', GraphQLString);
    add('oldPassword', 'oldPassword', GraphQLString);
  }
  return { type: new GraphQLInputObjectType({ name: `${n.type}Input`, fields }), body };
}

function toBody(data: Record<string, unknown>, map: BodyMap): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(data)) {
    const key = map.get(name);
    if (key !== undefined) body[key] = value;
  }
  return body;
}

function writeMutations(c: Collection, n: CollectionNames, T: GraphQLObjectType<RecordJson, GraphQLContext>, v: SchemaVariant): Fields {
  const out: Fields = {};
  const canCreate = open(c.createRule, v);
  const canUpdate = open(c.updateRule, v);
  if (canCreate || canUpdate) {
    const input = inputFor(c, n, v);
    if (canCreate) {
      out[`${n.root}Create`] = {
        type: T,
        description: `Creates a \`${c.name}\` record (create rule and validation as REST).`,
        args: { data: { type: new GraphQLNonNull(input.type) } },
        resolve: async (_root, args: { data: Record<string, unknown> }, ctx) =>
          (await ctx.deps.records.create(c.id, toBody(args.data, input.body), {}, ctx.record)).record,
      };
    }
    if (canUpdate) {
      out[`${n.root}Update`] = {
        type: T,
        description: `Updates a \`${c.name}\` record (update rule, validation and modifiers as REST).`,
        args: { id: { type: new GraphQLNonNull(GraphQLID) }, data: { type: new GraphQLNonNull(input.type) } },
        resolve: async (_root, args: { id: string; data: Record<string, unknown> }, ctx) =>
          (await ctx.deps.records.update(c.id, args.id, toBody(args.data, input.body), {}, ctx.record)).record,
      };
    }
  }
  if (open(c.deleteRule, v)) {
    const del: GraphQLFieldConfig<RecordJson, GraphQLContext, { id: string }> = {
      type: nn(GraphQLBoolean),
      description: `Deletes a \`${c.name}\` record (delete rule as REST); true when deleted.`,
      args: { id: { type: new GraphQLNonNull(GraphQLID) } },
      resolve: async (_root, args, ctx) => {
        await ctx.deps.records.delete(c.id, args.id, {}, ctx.record);
        return true;
      },
    };
    out[`${n.root}Delete`] = del as GraphQLFieldConfig<RecordJson, GraphQLContext>;
  }
  return out;
}
