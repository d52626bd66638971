/**
 * The GraphQL engine of one node: the schema of the live collections (rebuilt lazily when
 * `collections.version` moves, which happens on every node through the invalidation bus), the
 * request pipeline shared by HTTP and WebSocket (persisted queries, parse, validate, depth and
 * cost limits, introspection policy) and execution with a per-request context.
 */
import { createHash } from 'node:crypto';
import {
  execute, getOperationAST, GraphQLError, Kind, NoSchemaIntrospectionCustomRule, parse, printSchema, specifiedRules, validate,
} from 'graphql';
import type {
  DocumentNode, ExecutionResult, FragmentDefinitionNode, GraphQLFormattedError, GraphQLSchema, OperationDefinitionNode, OperationTypeNode,
} from 'graphql';
import type { AuthState } from '../auth/auth-record.js';
import type { ErrorCode } from '../core/errors.js';
import { LruCache } from '../db/lru-cache.js';
import type { RecordContext } from '../records/record-service.js';
import { buildGraphQLSchema } from './build-schema.js';
import type { GraphQLContext, GraphQLDeps } from './graphql-context.js';
import { formatGraphQLError, galleyGraphQLError } from './graphql-errors.js';
import type { ErrorMapper } from './graphql-errors.js';
import { MAX_INTROSPECTION_DEPTH, measureOperation } from './query-limits.js';
import { RecordLoaders } from './record-loaders.js';

export interface GraphQLOptions {
  /** Deepest field nesting a query may select. */
  maxDepth: number;
  /** Highest estimated number of resolved fields (see query-limits.ts). */
  maxCost: number;
  /** Whether non-superusers may introspect the schema (superusers always may). */
  introspection: boolean;
}

export interface GraphQLServiceDeps extends GraphQLDeps {
  options: () => GraphQLOptions;
  mapError: ErrorMapper;
  onUnexpected: (err: unknown) => void;
}

/** Who is asking, as the HTTP or WebSocket layer authenticated them. */
export interface GraphQLRequester {
  auth: AuthState | null;
  token: string | undefined;
  record: RecordContext;
  client: { ip: string; userAgent: string };
}

export interface GraphQLParams {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}

export interface PreparedOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName: string | undefined;
  variables: Record<string, unknown>;
}

export interface RequestFailure {
  status: number;
  errors: GraphQLFormattedError[];
}

export interface HttpResult {
  status: number;
  body: { data?: unknown; errors?: readonly GraphQLFormattedError[] };
}

/** Parser guard against documents built to exhaust the parser. */
const MAX_TOKENS = 20_000;
const CACHE_SIZE = 500;
/**
 * Longest query text kept in the parse/validation caches and the persisted-query store: anyone may
 * send queries, so what they can make a node hold stays bounded (2,000 x 16 KB at most for APQ).
 */
const MAX_CACHED_QUERY = 16 * 1024;

function failure(code: ErrorCode, message?: string, errors?: readonly GraphQLError[]): RequestFailure {
  const base = galleyGraphQLError(code, message);
  const list = errors && errors.length > 0 ? errors : [base];
  const ext = base.extensions;
  return {
    status: Number(ext.status),
    errors: list.map((e) => ({ message: e.message, ...(e.locations ? { locations: e.locations } : {}), extensions: ext })),
  };
}

export function isFailure(x: PreparedOperation | RequestFailure): x is RequestFailure {
  return 'errors' in x;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export class GraphQLService {
  readonly #deps: GraphQLServiceDeps;
  #built: { version: number; schemas: Map<boolean, { schema: GraphQLSchema; sdl?: string }> } | undefined;
  readonly #documents = new LruCache<string, DocumentNode | GraphQLError>(CACHE_SIZE);
  readonly #validations = new LruCache<string, readonly GraphQLError[]>(CACHE_SIZE);
  /** Automatic persisted queries: sha256 hex -> query text (per node; clients resend on a miss). */
  readonly #persisted = new LruCache<string, string>(2000);

  constructor(deps: GraphQLServiceDeps) {
    this.#deps = deps;
  }

  schema(superuser: boolean): GraphQLSchema {
    return this.#entry(superuser).schema;
  }

  /** The schema as SDL text (cached per schema version). */
  sdl(superuser: boolean): string {
    const entry = this.#entry(superuser);
    entry.sdl ??= printSchema(entry.schema);
    return entry.sdl;
  }

  #entry(superuser: boolean): { schema: GraphQLSchema; sdl?: string } {
    const version = this.#deps.collections.version;
    if (this.#built?.version !== version) this.#built = { version, schemas: new Map() };
    let entry = this.#built.schemas.get(superuser);
    if (entry === undefined) {
      const { schema } = buildGraphQLSchema(this.#deps.collections.all(), { superuser, subscriptions: this.#deps.broker !== undefined });
      entry = { schema };
      this.#built.schemas.set(superuser, entry);
    }
    return entry;
  }

  context(requester: GraphQLRequester): GraphQLContext {
    const newLoaders = (): RecordLoaders => new RecordLoaders(this.#deps.reader, requester.record, this.#deps.records.enricher());
    return {
      deps: this.#deps,
      record: requester.record,
      auth: requester.auth,
      token: requester.token,
      client: requester.client,
      loaders: newLoaders(),
      newLoaders,
      broker: this.#deps.broker,
    };
  }

  formatError(err: GraphQLError): GraphQLFormattedError {
    return formatGraphQLError(err, this.#deps.mapError, this.#deps.onUnexpected);
  }

  /** Resolves the query text (persisted queries), parses, validates and checks the limits. */
  prepare(params: GraphQLParams, requester: GraphQLRequester, allowed: ReadonlySet<OperationTypeNode>): PreparedOperation | RequestFailure {
    let query = params.query;
    if (query !== undefined && query !== null && typeof query !== 'string') return failure('graphql_invalid_request', '"query" must be a string.');
    const variables = params.variables === undefined || params.variables === null ? {} : asObject(params.variables);
    if (variables === undefined) return failure('graphql_invalid_request', '"variables" must be an object.');
    const opName = params.operationName;
    if (opName !== undefined && opName !== null && typeof opName !== 'string') return failure('graphql_invalid_request', '"operationName" must be a string.');
    const extensions = params.extensions === undefined || params.extensions === null ? {} : asObject(params.extensions);
    if (extensions === undefined) return failure('graphql_invalid_request', '"extensions" must be an object.');

    const persisted = asObject(extensions.persistedQuery);
    if (persisted !== undefined) {
      const hash = persisted.sha256Hash;
      if (persisted.version !== 1 || typeof hash !== 'string' || !/^[0-9a-f]{64}$/i.test(hash)) {
        return failure('graphql_invalid_request', 'Unsupported persisted query: version 1 with a sha256Hash is expected.');
      }
      if (typeof query === 'string') {
        if (createHash('sha256').update(query).digest('hex') !== hash.toLowerCase()) return failure('graphql_invalid_request', 'provided sha does not match query');
        if (query.length <= MAX_CACHED_QUERY) this.#persisted.set(hash.toLowerCase(), query);
      } else {
        query = this.#persisted.get(hash.toLowerCase());
        if (query === undefined) return failure('graphql_persisted_query_not_found');
      }
    }
    if (typeof query !== 'string' || query.trim() === '') return failure('graphql_invalid_request', 'Missing "query".');

    let document = this.#documents.get(query);
    if (document === undefined) {
      try {
        document = parse(query, { maxTokens: MAX_TOKENS });
      } catch (err) {
        if (!(err instanceof GraphQLError)) throw err;
        document = err;
      }
      if (query.length <= MAX_CACHED_QUERY) this.#documents.set(query, document);
    }
    if (document instanceof GraphQLError) return failure('graphql_parse_failed', undefined, [document]);

    const superuser = requester.record.isSuperuser;
    const introspection = superuser || this.#deps.options().introspection;
    const schema = this.schema(superuser);
    const key = `${this.#built?.version}:${superuser}:${introspection}:${query}`;
    let errors = this.#validations.get(key);
    if (errors === undefined) {
      errors = validate(schema, document, introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule]);
      if (query.length <= MAX_CACHED_QUERY) this.#validations.set(key, errors);
    }
    if (errors.length > 0) return failure('graphql_validation_failed', undefined, errors);

    const operationName = typeof opName === 'string' ? opName : undefined;
    const operation = getOperationAST(document, operationName);
    if (operation === null || operation === undefined) return failure('graphql_invalid_request', 'Could not determine which operation to run (operationName).');
    if (!allowed.has(operation.operation)) {
      return failure(operation.operation === 'mutation' ? 'method_not_allowed' : 'graphql_invalid_request',
        `${operation.operation} operations are not allowed here${operation.operation === 'mutation' ? ' (use POST)' : ''}.`);
    }

    const limits = this.#deps.options();
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    const measure = measureOperation(schema, operation, fragments, variables);
    if (measure.depth > limits.maxDepth) {
      return failure('graphql_too_deep', `The query is ${measure.depth} fields deep; the limit is ${limits.maxDepth}.`);
    }
    if (measure.introspectionDepth > MAX_INTROSPECTION_DEPTH) {
      return failure('graphql_too_deep', `The introspection query is ${measure.introspectionDepth} fields deep; the limit is ${MAX_INTROSPECTION_DEPTH}.`);
    }
    if (measure.cost > limits.maxCost) {
      const estimate = Number.isFinite(measure.cost) ? `is ${measure.cost}` : 'is beyond measure (fragments repeat too many fields)';
      return failure('graphql_too_costly', `The query's estimated cost ${estimate}; the limit is ${limits.maxCost}. Ask for fewer records per page or fewer nested lists.`);
    }
    return { schema, document, operation, operationName, variables };
  }

  /** One HTTP request: `allowed` is `query` for GET, `query` and `mutation` for POST. */
  async executeHttp(params: GraphQLParams, requester: GraphQLRequester, allowed: ReadonlySet<OperationTypeNode>): Promise<HttpResult> {
    const prepared = this.prepare(params, requester, allowed);
    if (isFailure(prepared)) return { status: prepared.status, body: { errors: prepared.errors } };
    const result = (await execute({
      schema: prepared.schema,
      document: prepared.document,
      variableValues: prepared.variables,
      operationName: prepared.operationName,
      contextValue: this.context(requester),
    })) as ExecutionResult;
    const body: HttpResult['body'] = {};
    if (result.errors && result.errors.length > 0) body.errors = result.errors.map((e) => this.formatError(e));
    // no `data` at all: the request failed before execution (variables that do not coerce)
    if (!('data' in result)) return { status: 400, body };
    body.data = result.data;
    return { status: 200, body };
  }
}
