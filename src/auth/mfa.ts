/**
 * Multi-factor login, PocketBase's protocol: when MFA applies, the first method that succeeds
 * answers 401 `{mfaId}` instead of a token; the client then authenticates again with a DIFFERENT
 * method and passes `mfaId` (query or body), which completes the login. Same method twice, another
 * record's session or an expired one are 400s.
 *
 * MFA applies when the collection enables it (`mfa.enabled`, and `mfa.rule` is empty or matches
 * the record), or — Galley's addition — when the record enrolled TOTP: then one of the two
 * methods must be TOTP.
 */
import { apiError } from '../core/errors.js';
import type { Collection } from '../core/schema.js';
import type { Queryable } from '../db/database.js';
import { randomRecordId } from '../lib/random-string.js';
import { prepareRule } from '../rules/index.js';
import type { RequestInfo, SchemaLookup } from '../rules/index.js';
import type { AuthRecord } from './auth-record.js';
import { ensureAuthTables, ms } from './auth-tables.js';
import { MAX_ROW_AGE_MS } from './otp.js';

export interface MfaDeps {
  db: Queryable;
  collections: SchemaLookup;
}

export interface MfaInput {
  collection: Collection;
  record: AuthRecord;
  method: string;
  /** The `mfaId` the client sent ('' for a first step). */
  mfaId: string;
  request: RequestInfo;
  /** Whether the record has a confirmed TOTP enrolment. */
  totpEnrolled: boolean;
}

/** Either a pending MFA session to answer 401 with, or the completed login's methods. */
export type MfaOutcome = { mfaId: string } | { amr: string[] };

const DEFAULT_DURATION_S = 1800;

export async function checkMfa(deps: MfaDeps, input: MfaInput): Promise<MfaOutcome> {
  const { collection, record, method } = input;
  const required = input.totpEnrolled || (await collectionWantsMfa(deps, collection, record.id, input.request));
  if (!required) return { amr: [method] };
  await ensureAuthTables(deps.db);

  if (input.mfaId === '') {
    // Sessions older than the longest possible duration are dead: dropped as new ones are made.
    await deps.db.run(`DELETE FROM "_mfas" WHERE "created" < ?`, [Date.now() - MAX_ROW_AGE_MS]);
    const id = randomRecordId();
    await deps.db.run(`INSERT INTO "_mfas" ("id", "collectionRef", "recordRef", "method", "created") VALUES (?, ?, ?, ?, ?)`, [
      id,
      collection.id,
      record.id,
      method,
      Date.now(),
    ]);
    return { mfaId: id };
  }

  const row = await deps.db.get(`SELECT * FROM "_mfas" WHERE "id" = ?`, [input.mfaId]);
  const duration = (collection.mfa?.duration || DEFAULT_DURATION_S) * 1000;
  const remove = () => deps.db.run(`DELETE FROM "_mfas" WHERE "id" = ?`, [input.mfaId]);
  if (!row || ms(row.created) + duration <= Date.now()) {
    if (row) await remove();
    throw apiError('bad_request', 'Invalid or expired MFA session.');
  }
  if (row.recordRef !== record.id || row.collectionRef !== collection.id) throw apiError('bad_request', 'Invalid MFA session.');
  const first = String(row.method);
  if (first === method) throw apiError('bad_request', 'A different authentication method is required.');
  if (input.totpEnrolled && first !== 'totp' && method !== 'totp') {
    throw apiError('bad_request', 'The account requires a TOTP code as one of the methods.');
  }
  await remove();
  return { amr: [first, method] };
}

async function collectionWantsMfa(deps: MfaDeps, collection: Collection, recordId: string, request: RequestInfo): Promise<boolean> {
  const mfa = collection.mfa;
  if (!mfa?.enabled) return false;
  if (mfa.rule === '') return true;
  // As PocketBase: a rule that cannot be evaluated asks for MFA (the safer default).
  try {
    const where = prepareRule(mfa.rule, { collection, schema: deps.collections }).toSql({ dialect: deps.db.dialect, request });
    const table = `"${collection.name.replaceAll('"', '""')}"`;
    const row = await deps.db.get(`SELECT 1 AS "ok" FROM ${table} WHERE ${table}."id" = ? AND (${where.sql}) LIMIT 1`, [
      recordId,
      ...where.params,
    ]);
    return row !== undefined;
  } catch {
    return true;
  }
}

/** The `mfaId` of a request: query parameter first, then body field (as PocketBase reads it). */
export function mfaIdOf(query: unknown, body: unknown): string {
  const pick = (source: unknown): string => {
    if (typeof source !== 'object' || source === null) return '';
    const value = (source as Record<string, unknown>).mfaId;
    return typeof value === 'string' ? value.trim().slice(0, 255) : '';
  };
  return pick(query) || pick(body);
}
