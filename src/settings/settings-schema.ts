/**
 * The runtime settings (`GET/PATCH /api/settings`) in PocketBase's shape, their defaults and their
 * validation. Types and ranges are checked by a zod schema; the rules that depend on other values
 * ("host is required when SMTP is enabled") by a refinement, and every failure becomes a PocketBase
 * field error at its nested path.
 */
import { z } from 'zod';
import { fieldError, validationError } from '../core/errors.js';
import type { ApiError, ErrorData, FieldError, FieldErrorCode } from '../core/errors.js';
import { isValidCronExpression } from '../lib/cron-expression.js';

export interface RateLimitRule {
  label: string;
  maxRequests: number;
  duration: number;
  audience: '' | '@guest' | '@auth';
}

export interface Settings {
  meta: { appName: string; appURL: string; senderName: string; senderAddress: string; hideControls: boolean };
  batch: { enabled: boolean; maxRequests: number; timeout: number; maxBodySize: number };
  rateLimits: { enabled: boolean; rules: RateLimitRule[] };
  logs: { maxDays: number; minLevel: number; logIP: boolean; logAuthId: boolean };
  trustedProxy: { headers: string[]; useLeftmostIP: boolean };
  smtp: {
    enabled: boolean;
    host: string;
    port: number;
    username: string;
    password: string;
    authMethod: '' | 'PLAIN' | 'LOGIN';
    tls: boolean;
    localName: string;
  };
  s3: {
    enabled: boolean;
    bucket: string;
    region: string;
    endpoint: string;
    accessKey: string;
    secret: string;
    forcePathStyle: boolean;
    /** Galley's: `when_required` for S3-compatible services that reject the SDK's default checksums. */
    checksums: 'when_supported' | 'when_required';
  };
  /** Galley's: limits and introspection of `/api/graphql` (docs/graphql.md). */
  graphql: { introspection: boolean; maxDepth: number; maxCost: number };
  /** Galley's: cron schedules that enqueue jobs, next to those registered in code (docs/jobs.md). */
  jobs: { cron: CronSetting[] };
  /** Galley's: limits of the realtime connections (docs/realtime.md); times in seconds, 0 = never. */
  realtime: { maxConnectionsPerIp: number; maxSubscriptionsPerClient: number; maxQueuedBytes: number; idleTimeout: number; maxLifetime: number };
}

export interface CronSetting {
  name: string;
  /** croner syntax, UTC: 5 fields or 6 with seconds first. */
  expression: string;
  /** The job kind to enqueue at each tick. */
  kind: string;
  payload?: unknown;
}

/** The paths of secret values: never returned by the API, encrypted at rest when a key is set. */
export const secretPaths = [
  ['smtp', 'password'],
  ['s3', 'secret'],
] as const satisfies ReadonlyArray<readonly [keyof Settings, string]>;

export function defaultSettings(): Settings {
  return {
    meta: {
      appName: 'Galley',
      appURL: 'http://localhost:8090',
      senderName: 'Support',
      senderAddress: 'support@example.com',
      hideControls: false,
    },
    // Galley enables batch by default (PocketBase does not): transactional multi-writes are a core feature.
    batch: { enabled: true, maxRequests: 50, timeout: 3, maxBodySize: 128 * 1024 * 1024 },
    rateLimits: { enabled: false, rules: [] },
    logs: { maxDays: 5, minLevel: 0, logIP: true, logAuthId: false },
    trustedProxy: { headers: [], useLeftmostIP: false },
    smtp: {
      enabled: false,
      host: 'smtp.example.com',
      port: 587,
      username: '',
      password: '',
      authMethod: '',
      tls: false,
      localName: '',
    },
    s3: { enabled: false, bucket: '', region: '', endpoint: '', accessKey: '', secret: '', forcePathStyle: false, checksums: 'when_supported' },
    graphql: { introspection: false, maxDepth: 10, maxCost: 20_000 },
    jobs: { cron: [] },
    realtime: { maxConnectionsPerIp: 1000, maxSubscriptionsPerClient: 1000, maxQueuedBytes: 4 * 1024 * 1024, idleTimeout: 300, maxLifetime: 1800 },
  };
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);

const settingsSchema = z
  .object({
    meta: z.object({
      appName: z.string().max(255),
      appURL: z.string(),
      senderName: z.string().max(255),
      senderAddress: z.string(),
      hideControls: z.boolean(),
    }),
    batch: z.object({
      enabled: z.boolean(),
      maxRequests: int(0, 100_000),
      timeout: int(0, 86_400),
      maxBodySize: int(0),
    }),
    rateLimits: z.object({
      enabled: z.boolean(),
      rules: z
        .array(
          z.object({
            label: z.string().max(255),
            maxRequests: int(1),
            duration: int(1),
            audience: z.enum(['', '@guest', '@auth']),
          }),
        )
        .max(1000),
    }),
    logs: z.object({ maxDays: int(0, 100_000), minLevel: int(-1000, 1000), logIP: z.boolean(), logAuthId: z.boolean() }),
    trustedProxy: z.object({ headers: z.array(z.string().max(255)).max(50), useLeftmostIP: z.boolean() }),
    smtp: z.object({
      enabled: z.boolean(),
      host: z.string().max(255),
      port: int(0, 65535),
      username: z.string().max(255),
      password: z.string().max(1024),
      authMethod: z.enum(['', 'PLAIN', 'LOGIN']),
      tls: z.boolean(),
      localName: z.string().max(255),
    }),
    s3: z.object({
      enabled: z.boolean(),
      bucket: z.string().max(255),
      region: z.string().max(255),
      endpoint: z.string().max(1024),
      accessKey: z.string().max(1024),
      secret: z.string().max(1024),
      forcePathStyle: z.boolean(),
      checksums: z.enum(['when_supported', 'when_required']),
    }),
    graphql: z.object({ introspection: z.boolean(), maxDepth: int(1, 1000), maxCost: int(1, 100_000_000) }),
    realtime: z.object({
      maxConnectionsPerIp: int(1, 10_000_000),
      maxSubscriptionsPerClient: int(1, 100_000),
      maxQueuedBytes: int(1024, 1024 * 1024 * 1024),
      idleTimeout: int(0, 86_400),
      maxLifetime: int(0, 7 * 86_400),
    }),
    jobs: z.object({
      cron: z
        .array(
          z.object({
            name: z.string().regex(/^[\w.:-]{1,100}$/),
            expression: z.string().max(255).refine(isValidCronExpression),
            kind: z.string().min(1).max(255),
            payload: z.unknown().optional(),
          }),
        )
        .max(100)
        .superRefine((list, ctx) => {
          const seen = new Set<string>();
          list.forEach((entry, i) => {
            if (seen.has(entry.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'duplicate name' });
            seen.add(entry.name);
          });
        }),
    }),
  });

type Issue = { path: (string | number)[]; error: FieldError };

/**
 * The rules that depend on other values. They run on the raw merged value even when some types are
 * wrong (so one PATCH reports every problem), hence the defensive reads: a value of the wrong type
 * is skipped here because the schema already reported it.
 */
function crossFieldIssues(value: unknown): Issue[] {
  const issues: Issue[] = [];
  const fail = (path: (string | number)[], code: FieldErrorCode): void => {
    issues.push({ path, error: fieldError(code) });
  };
  const at = (obj: unknown, key: string | number): unknown =>
    typeof obj === 'object' && obj !== null ? (obj as Record<string | number, unknown>)[key] : undefined;
  const required = (path: (string | number)[]): boolean => {
    const v = path.reduce<unknown>(at, value);
    if (typeof v !== 'string') return false;
    if (v.trim() !== '') return true;
    fail(path, 'validation_required');
    return false;
  };
  const text = (path: (string | number)[]): string => String(path.reduce<unknown>(at, value));

  required(['meta', 'appName']);
  if (required(['meta', 'appURL']) && !isHttpUrl(text(['meta', 'appURL']))) fail(['meta', 'appURL'], 'validation_is_url');
  required(['meta', 'senderName']);
  if (required(['meta', 'senderAddress']) && !isEmail(text(['meta', 'senderAddress']))) {
    fail(['meta', 'senderAddress'], 'validation_is_email');
  }
  if (at(at(value, 'smtp'), 'enabled') === true) {
    required(['smtp', 'host']);
    const port = at(at(value, 'smtp'), 'port');
    if (typeof port === 'number' && port < 1) fail(['smtp', 'port'], 'validation_required');
  }
  if (at(at(value, 's3'), 'enabled') === true) {
    for (const key of ['bucket', 'region', 'endpoint', 'accessKey', 'secret']) required(['s3', key]);
    const endpoint = at(at(value, 's3'), 'endpoint');
    if (typeof endpoint === 'string' && endpoint !== '' && !isHttpUrl(endpoint)) fail(['s3', 'endpoint'], 'validation_is_url');
  }
  const rules = at(at(value, 'rateLimits'), 'rules');
  if (Array.isArray(rules)) {
    const seen = new Set<string>();
    rules.forEach((rule, i) => {
      if (!required(['rateLimits', 'rules', i, 'label'])) return;
      const key = `${String(at(rule, 'label'))}\u0000${String(at(rule, 'audience'))}`;
      if (seen.has(key)) fail(['rateLimits', 'rules', i, 'label'], 'validation_not_unique');
      seen.add(key);
    });
  }
  const headers = at(at(value, 'trustedProxy'), 'headers');
  if (Array.isArray(headers)) {
    headers.forEach((h, i) => {
      if (typeof h === 'string' && !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(h)) fail(['trustedProxy', 'headers', i], 'validation_invalid_value');
    });
  }
  return issues;
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function isEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) && value.length <= 254;
}

/**
 * Validates a complete settings object. Unknown keys are dropped (PocketBase ignores them); the
 * result is a fresh object, safe to store.
 */
export function validateSettings(value: unknown): Settings {
  const parsed = settingsSchema.safeParse(value);
  const issues: Issue[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), error: issueToFieldError(i) }));
  issues.push(...crossFieldIssues(value));
  if (parsed.success && issues.length === 0) return parsed.data;
  throw settingsValidationError(issues);
}

/** PocketBase's nested `data`; the first error at a path wins. */
function settingsValidationError(issues: readonly Issue[]): ApiError {
  const data: ErrorData = {};
  for (const issue of issues) {
    if (issue.path.length === 0) continue;
    let node: ErrorData | undefined = data;
    const path = issue.path.map(String);
    for (const key of path.slice(0, -1)) {
      const next: unknown = node[key];
      if (typeof next === 'object' && next !== null && 'code' in next) {
        node = undefined; // a parent already failed
        break;
      }
      node = (node[key] ??= {}) as ErrorData;
    }
    const last = path[path.length - 1]!;
    if (node && node[last] === undefined) node[last] = issue.error;
  }
  return validationError(data, 'An error occurred while submitting the form.');
}

function issueToFieldError(issue: z.core.$ZodIssue): FieldError {
  switch (issue.code) {
    case 'invalid_type':
      return fieldError('validation_invalid_type');
    case 'too_small':
      if (issue.origin === 'number') return fieldError('validation_min_number_constraint', { min: Number(issue.minimum) });
      return fieldError('validation_invalid_value');
    case 'too_big':
      if (issue.origin === 'number') return fieldError('validation_max_number_constraint', { max: Number(issue.maximum) });
      if (issue.origin === 'string') return fieldError('validation_max_text_constraint', { max: Number(issue.maximum) });
      return fieldError('validation_invalid_value');
    case 'invalid_format':
      return fieldError('validation_invalid_format');
    default:
      return fieldError('validation_invalid_value');
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * PATCH semantics: plain objects merge key by key, anything else (arrays, scalars, a wrong type)
 * replaces, so validation sees exactly what the client sent at that path. Keys unknown to `base`
 * are dropped here rather than later, and prototype keys never travel.
 */
export function mergeSettings<T>(base: T, patch: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(patch)) return (patch === undefined ? base : patch) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (FORBIDDEN_KEYS.has(key) || !Object.hasOwn(base, key) || value === undefined) continue;
    out[key] = mergeSettings(base[key], value);
  }
  return out as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
