/**
 * Galley's own auth tables, created on first use (idempotent, both engines): one-time passwords,
 * MFA sessions, known login origins (for new-device alerts), TOTP enrolments and API keys. They
 * are plain tables, not collections: nothing here is reachable through the records API. Times are
 * integer milliseconds since the epoch, compared in code the same way on both engines.
 *
 * | table | row |
 * |---|---|
 * | `_otps` | an emailed code: SHA-256 of the code, who it was sent to, when |
 * | `_mfas` | a half-finished MFA login: the record and the first method |
 * | `_authOrigins` | a (record, IP + user agent fingerprint) that logged in before |
 * | `_totps` | a record's TOTP secret, whether confirmed, SHA-256 of its recovery codes |
 * | `_apiKeys` | SHA-256 of a key, its record, scopes, expiry, last use, revocation |
 * | `_externalAuths` | an OAuth2 provider user linked to a record (src/auth/oauth2) |
 * | `_passkeys`, `_passkeyChallenges` | WebAuthn credentials and their one-time challenges (src/auth/passkeys) |
 * | `_setupTokens` | SHA-256 of a first-run setup link's token and its expiry (src/auth/setup-tokens.ts) |
 */
import type { Queryable } from '../db/database.js';

const ready = new WeakMap<Queryable, Promise<void>>();

export function ensureAuthTables(db: Queryable): Promise<void> {
  let promise = ready.get(db);
  if (!promise) {
    // Two nodes starting at once can race on PostgreSQL's catalog even with IF NOT EXISTS; the
    // second attempt then finds the tables.
    promise = createTables(db)
      .catch(() => createTables(db))
      .catch((err: unknown) => {
        ready.delete(db);
        throw err;
      });
    ready.set(db, promise);
  }
  return promise;
}

async function createTables(db: Queryable): Promise<void> {
  const text = db.dialect === 'postgres' ? 'TEXT COLLATE "C"' : 'TEXT';
  const statements = [
    `CREATE TABLE IF NOT EXISTS "_otps" (
      "id" ${text} PRIMARY KEY NOT NULL,
      "collectionRef" ${text} NOT NULL,
      "recordRef" ${text} NOT NULL,
      "password" TEXT NOT NULL,
      "sentTo" TEXT NOT NULL DEFAULT '',
      "created" BIGINT NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS "_otps_record_idx" ON "_otps" ("collectionRef", "recordRef")`,
    `CREATE TABLE IF NOT EXISTS "_mfas" (
      "id" ${text} PRIMARY KEY NOT NULL,
      "collectionRef" ${text} NOT NULL,
      "recordRef" ${text} NOT NULL,
      "method" TEXT NOT NULL,
      "created" BIGINT NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS "_authOrigins" (
      "id" ${text} PRIMARY KEY NOT NULL,
      "collectionRef" ${text} NOT NULL,
      "recordRef" ${text} NOT NULL,
      "fingerprint" TEXT NOT NULL,
      "created" BIGINT NOT NULL,
      "updated" BIGINT NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS "_authOrigins_record_idx" ON "_authOrigins" ("collectionRef", "recordRef")`,
    `CREATE TABLE IF NOT EXISTS "_totps" (
      "collectionRef" ${text} NOT NULL,
      "recordRef" ${text} NOT NULL,
      "secret" TEXT NOT NULL,
      "confirmed" INTEGER NOT NULL DEFAULT 0,
      "recoveryCodes" TEXT NOT NULL DEFAULT '[]',
      "lastStep" BIGINT NOT NULL DEFAULT 0,
      "created" BIGINT NOT NULL,
      PRIMARY KEY ("collectionRef", "recordRef")
    )`,
    `CREATE TABLE IF NOT EXISTS "_apiKeys" (
      "id" ${text} PRIMARY KEY NOT NULL,
      "name" TEXT NOT NULL,
      "hash" ${text} NOT NULL UNIQUE,
      "prefix" TEXT NOT NULL,
      "collectionRef" ${text} NOT NULL,
      "recordRef" ${text} NOT NULL,
      "scopes" TEXT NOT NULL DEFAULT '["*"]',
      "expires" BIGINT NOT NULL DEFAULT 0,
      "created" BIGINT NOT NULL,
      "lastUsed" BIGINT NOT NULL DEFAULT 0,
      "revoked" BIGINT NOT NULL DEFAULT 0
    )`,
    // OAuth2 links (src/auth/oauth2): a provider's user id -> the record it logs in as.
    `CREATE TABLE IF NOT EXISTS "_externalAuths" (
      "id" ${text} PRIMARY KEY NOT NULL,
      "collectionRef" ${text} NOT NULL,
      "recordRef" ${text} NOT NULL,
      "provider" ${text} NOT NULL,
      "providerId" ${text} NOT NULL,
      "created" BIGINT NOT NULL,
      "updated" BIGINT NOT NULL
    )`,
    `CREATE UNIQUE INDEX IF NOT EXISTS "_externalAuths_provider_idx" ON "_externalAuths" ("collectionRef", "provider", "providerId")`,
    `CREATE INDEX IF NOT EXISTS "_externalAuths_record_idx" ON "_externalAuths" ("collectionRef", "recordRef")`,
    // Passkeys (src/auth/passkeys): WebAuthn credentials and pending one-time challenges.
    `CREATE TABLE IF NOT EXISTS "_passkeys" (
      "id" ${text} PRIMARY KEY NOT NULL,
      "collectionRef" ${text} NOT NULL,
      "recordRef" ${text} NOT NULL,
      "name" TEXT NOT NULL DEFAULT '',
      "publicKey" TEXT NOT NULL,
      "counter" BIGINT NOT NULL DEFAULT 0,
      "transports" TEXT NOT NULL DEFAULT '[]',
      "created" BIGINT NOT NULL,
      "lastUsed" BIGINT NOT NULL DEFAULT 0
    )`,
    `CREATE INDEX IF NOT EXISTS "_passkeys_record_idx" ON "_passkeys" ("collectionRef", "recordRef")`,
    `CREATE TABLE IF NOT EXISTS "_passkeyChallenges" (
      "id" ${text} PRIMARY KEY NOT NULL,
      "collectionRef" ${text} NOT NULL,
      "recordRef" ${text} NOT NULL DEFAULT '',
      "kind" TEXT NOT NULL,
      "created" BIGINT NOT NULL
    )`,
    // First-run setup links (src/auth/setup-tokens.ts): shared so any node accepts any node's link.
    `CREATE TABLE IF NOT EXISTS "_setupTokens" (
      "hash" ${text} PRIMARY KEY NOT NULL,
      "expires" BIGINT NOT NULL
    )`,
  ];
  for (const sql of statements) await db.run(sql);
}

/** Removes what belongs to a deleted auth record (called after the delete commits). */
export async function deleteAuthRows(db: Queryable, collectionId: string, recordId: string): Promise<void> {
  await ensureAuthTables(db);
  for (const table of ['_otps', '_mfas', '_authOrigins', '_totps', '_apiKeys', '_externalAuths', '_passkeys', '_passkeyChallenges']) {
    await db.run(`DELETE FROM "${table}" WHERE "collectionRef" = ? AND "recordRef" = ?`, [collectionId, recordId]);
  }
}

/** BIGINT columns come back as strings from `pg`; numbers from SQLite. */
export function ms(value: unknown): number {
  return typeof value === 'number' ? value : Number(value ?? 0);
}
