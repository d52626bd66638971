/**
 * TOTP (RFC 6238, authenticator apps) as a Galley MFA method, via the `otpauth` library: SHA-1,
 * 6 digits, 30 s steps (what every authenticator app accepts), one step of clock drift either way.
 *
 * Enrolment: `setup` stores a new unconfirmed secret and answers it with its `otpauth://` URI
 * (the QR code); `confirm` with a current code turns it on and answers 10 recovery codes, shown
 * once and stored as SHA-256; each recovery code works once in place of a TOTP code. `disable`
 * needs a current code, a recovery code or the account password. A record with TOTP on must use
 * it as one of its two login methods (see mfa.ts). The secret is encrypted at rest when the app
 * has an encryption key.
 */
import { apiError, fieldError, validationError } from '../core/errors.js';
import type { Collection } from '../core/schema.js';
import type { Queryable } from '../db/database.js';
import { randomString } from '../lib/random-string.js';
import type { AuthRecord } from './auth-record.js';
import { ensureAuthTables, ms } from './auth-tables.js';
import { sha256 } from './sha256.js';

// Kept once loaded, as jose in tokens.ts (each import() may cost a trip to a loader hooks thread).
let otpauthModule: Promise<typeof import('otpauth')> | undefined;
const otpauth = (): Promise<typeof import('otpauth')> => (otpauthModule ??= import('otpauth'));

export const RECOVERY_CODES = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export interface SecretCipher {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

export interface TotpDeps {
  db: Queryable;
  cipher?: SecretCipher | undefined;
  issuer: () => string;
}

interface TotpRow {
  secret: string;
  confirmed: boolean;
  recoveryCodes: string[];
  /** The time step of the last code accepted: a code is never accepted twice (replay). */
  lastStep: number;
}

async function load(deps: TotpDeps, collection: Collection, recordId: string): Promise<TotpRow | undefined> {
  await ensureAuthTables(deps.db);
  const row = await deps.db.get(`SELECT * FROM "_totps" WHERE "collectionRef" = ? AND "recordRef" = ?`, [collection.id, recordId]);
  if (!row) return undefined;
  const stored = String(row.secret);
  return {
    secret: deps.cipher ? deps.cipher.decrypt(stored) : stored,
    confirmed: Number(row.confirmed) === 1,
    recoveryCodes: JSON.parse(String(row.recoveryCodes)) as string[],
    lastStep: ms(row.lastStep),
  };
}

export async function totpEnrolled(deps: TotpDeps, collection: Collection, recordId: string): Promise<boolean> {
  return (await load(deps, collection, recordId))?.confirmed === true;
}

export async function totpStatus(deps: TotpDeps, collection: Collection, recordId: string): Promise<{ enabled: boolean; recoveryCodesLeft: number }> {
  const row = await load(deps, collection, recordId);
  return { enabled: row?.confirmed === true, recoveryCodesLeft: row?.confirmed ? row.recoveryCodes.length : 0 };
}

function totpFor(lib: typeof import('otpauth'), secret: string, label: string, issuer: string) {
  return new lib.TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: 30, secret: lib.Secret.fromBase32(secret) });
}

/** Starts (or restarts) enrolment: a fresh secret, unconfirmed until `confirmTotp`. */
export async function setupTotp(deps: TotpDeps, collection: Collection, record: AuthRecord): Promise<{ secret: string; uri: string }> {
  const existing = await load(deps, collection, record.id);
  if (existing?.confirmed) throw apiError('bad_request', 'TOTP is already enabled; disable it first.');
  const lib = await otpauth();
  const secret = new lib.Secret({ size: 20 }).base32;
  const stored = deps.cipher ? deps.cipher.encrypt(secret) : secret;
  await deps.db.run(`DELETE FROM "_totps" WHERE "collectionRef" = ? AND "recordRef" = ?`, [collection.id, record.id]);
  await deps.db.run(`INSERT INTO "_totps" ("collectionRef", "recordRef", "secret", "confirmed", "recoveryCodes", "created") VALUES (?, ?, ?, 0, '[]', ?)`, [
    collection.id,
    record.id,
    stored,
    Date.now(),
  ]);
  const uri = totpFor(lib, secret, record.email || record.id, deps.issuer()).toString();
  return { secret, uri };
}

/** The time step a code belongs to (current step ± 1), or undefined when it is not valid now. */
async function codeStep(secret: string, code: string, label: string, issuer: string): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const lib = await otpauth();
  const delta = totpFor(lib, secret, label, issuer).validate({ token: code, window: 1 });
  return delta === null ? undefined : Math.floor(Date.now() / 30_000) + delta;
}

/** Confirms enrolment with a current code; answers the recovery codes (the only time they are shown). */
export async function confirmTotp(deps: TotpDeps, collection: Collection, record: AuthRecord, code: unknown): Promise<{ recoveryCodes: string[] }> {
  const row = await load(deps, collection, record.id);
  if (!row) throw apiError('bad_request', 'Start the TOTP setup first.');
  if (row.confirmed) throw apiError('bad_request', 'TOTP is already enabled; disable it first.');
  const step = typeof code === 'string' ? await codeStep(row.secret, code, record.email || record.id, deps.issuer()) : undefined;
  if (step === undefined) throw validationError({ code: fieldError('validation_invalid_value', undefined, 'Invalid or expired code.') }, 'Failed to confirm TOTP.');
  const recoveryCodes = Array.from({ length: RECOVERY_CODES }, () => `${randomString(5, RECOVERY_ALPHABET)}-${randomString(5, RECOVERY_ALPHABET)}`);
  await deps.db.run(`UPDATE "_totps" SET "confirmed" = 1, "recoveryCodes" = ?, "lastStep" = ? WHERE "collectionRef" = ? AND "recordRef" = ?`, [
    JSON.stringify(recoveryCodes.map(sha256)),
    step,
    collection.id,
    record.id,
  ]);
  return { recoveryCodes };
}

/**
 * Checks a TOTP code or a recovery code of an enrolled record. A TOTP code is accepted once (its
 * time step is remembered), a recovery code is used up; both through guarded UPDATEs, so two
 * concurrent uses of one code cannot both succeed.
 */
export async function verifyTotp(deps: TotpDeps, collection: Collection, record: AuthRecord, code: string): Promise<boolean> {
  const row = await load(deps, collection, record.id);
  if (!row?.confirmed) return false;
  const step = await codeStep(row.secret, code, record.email || record.id, deps.issuer());
  if (step !== undefined) {
    if (step <= row.lastStep) return false;
    // Guarded on the step read, so two concurrent uses of one code cannot both pass.
    const res = await deps.db.run(
      `UPDATE "_totps" SET "lastStep" = ? WHERE "collectionRef" = ? AND "recordRef" = ? AND "lastStep" = ?`,
      [step, collection.id, record.id, row.lastStep],
    );
    return res.changes === 1;
  }
  const digest = sha256(code.trim().toLowerCase());
  if (!row.recoveryCodes.includes(digest)) return false;
  const before = JSON.stringify(row.recoveryCodes);
  const after = JSON.stringify(row.recoveryCodes.filter((c) => c !== digest));
  const res = await deps.db.run(
    `UPDATE "_totps" SET "recoveryCodes" = ? WHERE "collectionRef" = ? AND "recordRef" = ? AND "recoveryCodes" = ?`,
    [after, collection.id, record.id, before],
  );
  return res.changes === 1;
}

export async function disableTotp(deps: TotpDeps, collection: Collection, recordId: string): Promise<void> {
  await ensureAuthTables(deps.db);
  await deps.db.run(`DELETE FROM "_totps" WHERE "collectionRef" = ? AND "recordRef" = ?`, [collection.id, recordId]);
}
