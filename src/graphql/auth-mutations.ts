/**
 * `<q>AuthWithPassword` and `<q>AuthRefresh` for auth collections: the same functions as the REST
 * routes, answering `{token, record}` with the record shaped as seen by the record that just
 * authenticated (its email shows; secrets never do).
 */
import { GraphQLNonNull, GraphQLObjectType, GraphQLString } from 'graphql';
import type { GraphQLFieldConfigMap } from 'graphql';
import type { LoginResult } from '../auth/auth-service.js';
import { authCollection, authRefresh } from '../auth/password-auth.js';
import type { AuthResponse } from '../auth/password-auth.js';
import { ruleAuth } from '../auth/rule-auth.js';
import { peekClaims } from '../auth/tokens.js';
import type { Collection } from '../core/schema.js';
import type { RecordJson } from '../records/record-codec.js';
import type { RequestInfo } from '../rules/index.js';
import type { CollectionNames } from './build-schema.js';
import type { GraphQLContext } from './graphql-context.js';

function requestInfo(ctx: GraphQLContext, context: string, body: Record<string, unknown>): RequestInfo {
  return { ...ctx.record.request, auth: ctx.record.auth, body, context };
}

type AuthPayload = { token: string; record: RecordJson } | { mfaId: string };

async function respond(ctx: GraphQLContext, res: AuthResponse | LoginResult, context: string): Promise<AuthPayload> {
  if ('mfaId' in res) return { mfaId: res.mfaId };
  const auth = ruleAuth({ collection: res.collection, record: res.record });
  const shapeCtx = { auth, isSuperuser: res.collection.name === '_superusers', request: { ...ctx.record.request, auth, context } };
  const record = await ctx.deps.records.shape(res.collection, res.record, shapeCtx);
  return { token: res.token, record };
}

export function authMutationFields(
  c: Collection,
  n: CollectionNames,
  T: GraphQLObjectType<RecordJson, GraphQLContext>,
): GraphQLFieldConfigMap<RecordJson, GraphQLContext> {
  const AuthType = new GraphQLObjectType({
    name: `${n.type}Auth`,
    description: 'A login: `token` and `record`, or only `mfaId` when another method must complete it (PocketBase answers that with a 401 `{mfaId}`).',
    fields: {
      token: { type: GraphQLString },
      record: { type: T },
      mfaId: { type: GraphQLString, resolve: (p: { mfaId?: string }) => p.mfaId ?? null },
    },
  });
  return {
    [`${n.root}AuthWithPassword`]: {
      type: new GraphQLNonNull(AuthType),
      description: `Password login to \`${c.name}\` (as POST /api/collections/${c.name}/auth-with-password).`,
      args: {
        identity: { type: new GraphQLNonNull(GraphQLString) },
        password: { type: new GraphQLNonNull(GraphQLString) },
        identityField: { type: GraphQLString },
        mfaId: { type: GraphQLString, description: 'The `mfaId` of a first login, to complete multi-factor authentication.' },
      },
      resolve: async (_root, args: { identity: string; password: string; identityField?: string | null; mfaId?: string | null }, ctx) => {
        const collection = authCollection(ctx.deps.collections, c.id);
        const input = { identity: args.identity, password: args.password, ...(args.identityField != null ? { identityField: args.identityField } : {}) };
        // the REST route's login flow: brute-force guard, authRule, MFA, login alerts
        const res = await ctx.deps.auth.passwordLogin(collection, input, {
          request: requestInfo(ctx, 'password', input),
          isSuperuser: ctx.record.isSuperuser,
          client: ctx.client,
          mfaId: args.mfaId?.trim().slice(0, 255) ?? '',
        });
        return respond(ctx, res, 'password');
      },
    },
    [`${n.root}AuthRefresh`]: {
      type: new GraphQLNonNull(AuthType),
      description: `A fresh token for the caller's own \`${c.name}\` record (as auth-refresh).`,
      resolve: async (_root, _args, ctx) => {
        const collection = authCollection(ctx.deps.collections, c.id);
        const refreshable = ctx.token ? peekClaims(ctx.token)?.refreshable !== false : false;
        const res = await authRefresh(
          { db: ctx.deps.db, collections: ctx.deps.collections },
          collection,
          ctx.auth,
          ctx.token,
          refreshable,
          () => requestInfo(ctx, 'default', {}),
        );
        return respond(ctx, res, 'default');
      },
    },
  };
}
