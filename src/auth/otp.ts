/**
 * One-time passwords by email (PocketBase's request-otp / auth-with-otp). A code is digits only
 * (`otp.length`, default 8), valid `otp.duration` seconds (default 180), stored as SHA-256 of
 * `otpId:code` (a short-lived code; the digest only has to keep a database reader from using a
 * pending code as it is). request-otp answers an `otpId` for unknown emails too, so it does not
 * reveal who is registered; at most 10 codes are live per record (later requests mail nothing). Attempts per record are limited like PocketBase (5 per `otp.duration`
 * → 429), on top of the brute-force backoff.
 */
import { randomInt } from 'node:crypto';
import { apiError } from '../core/errors.js';
import type { Collection } from '../core/schema.js';
import type { Queryable } from '../db/database.js';
import { randomRecordId } from '../lib/random-string.js';
import type { AuthRecord } from './auth-record.js';
import { ensureAuthTables, ms } from './auth-tables.js';
import { sameDigest, sha256 } from './sha256.js';

export const MAX_LIVE_OTPS = 10;
export const OTP_ATTEMPTS_PER_RECORD = 5;
export const INVALID_OTP = 'Invalid or expired OTP';
/** `otp.duration` and `mfa.duration` are at most 86400 s: older rows are dead. */
export const MAX_ROW_AGE_MS = 86_400_000;

export function otpDurationMs(collection: Collection): number {
  return (collection.otp?.duration || 180) * 1000;
}

export function otpDigest(otpId: string, code: string): string {
  return sha256(`${otpId}:${code}`);
}

export function randomDigits(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String(randomInt(10));
  return out;
}

/**
 * Stores OTP `id` for `record` and returns its code, or undefined (nothing stored, no mail to send)
 * when 10 codes are already live for the record: the `id` the client got then never works, and
 * the codes already mailed still do. Runs in the caller's transaction; the caller has made sure
 * the tables exist (`ensureAuthTables` on the Database, not on the transaction).
 */
export async function createOtp(db: Queryable, collection: Collection, record: AuthRecord, id: string): Promise<string | undefined> {
  // Codes older than the longest possible duration (a day) can never be used: dropped here, so the
  // table does not grow with unused codes.
  await db.run(`DELETE FROM "_otps" WHERE "created" < ?`, [Date.now() - MAX_ROW_AGE_MS]);
  const since = Date.now() - otpDurationMs(collection);
  const live = await db.get<{ n: unknown }>(
    `SELECT COUNT(*) AS "n" FROM "_otps" WHERE "collectionRef" = ? AND "recordRef" = ? AND "created" > ?`,
    [collection.id, record.id, since],
  );
  if (Number(live?.n ?? 0) >= MAX_LIVE_OTPS) return undefined;
  const code = randomDigits(collection.otp?.length || 8);
  await db.run(`INSERT INTO "_otps" ("id", "collectionRef", "recordRef", "password", "sentTo", "created") VALUES (?, ?, ?, ?, ?, ?)`, [
    id,
    collection.id,
    record.id,
    otpDigest(id, code),
    record.email,
    Date.now(),
  ]);
  return code;
}

export interface OtpRow {
  id: string;
  recordRef: string;
  digest: string;
  sentTo: string;
}

/** The live OTP `otpId` of `collection`, or a 400 that does not say why (enumeration). */
export async function findLiveOtp(db: Queryable, collection: Collection, otpId: string): Promise<OtpRow> {
  await ensureAuthTables(db);
  const row = await db.get(`SELECT * FROM "_otps" WHERE "id" = ?`, [otpId]);
  if (!row || row.collectionRef !== collection.id || ms(row.created) + otpDurationMs(collection) <= Date.now()) {
    throw apiError('bad_request', INVALID_OTP);
  }
  return { id: String(row.id), recordRef: String(row.recordRef), digest: String(row.password), sentTo: String(row.sentTo) };
}

export function otpMatches(row: OtpRow, code: string): boolean {
  return sameDigest(otpDigest(row.id, code), row.digest);
}

export async function deleteOtp(db: Queryable, otpId: string): Promise<void> {
  await db.run(`DELETE FROM "_otps" WHERE "id" = ?`, [otpId]);
}
