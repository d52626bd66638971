/**
 * First-run setup tokens: the secret in the one-time link `galley serve` prints while no superuser
 * exists (docs/dashboard.md, "First run"). Only the token's SHA-256 is kept, in the shared database
 * (`_setupTokens`, see auth-tables.ts), so a link printed by one node works on any node behind the
 * load balancer. Lookups go by hash, as for API keys: an index lookup on the digest of a 40-char
 * random secret reveals nothing about the secret, so no constant-time compare is needed.
 *
 * Every node that starts without a superuser adds its own token; all are valid until one is spent,
 * and creating a superuser (by a link or the CLI) deletes them all in its transaction.
 */
import type { Queryable } from '../db/database.js';
import { randomString } from '../lib/random-string.js';
import { ensureAuthTables } from './auth-tables.js';
import { sha256 } from './sha256.js';

/** How long a setup link stays valid: a day, long enough to open the link printed overnight. */
export const SETUP_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

const TOKEN_LENGTH = 40;

/** Anything that cannot be one of our tokens is refused before it reaches the database. */
function plausible(token: unknown): token is string {
  return typeof token === 'string' && token.length === TOKEN_LENGTH;
}

/**
 * A new setup token, valid on every node for SETUP_TOKEN_TTL_MS after `now`. Expired tokens of
 * earlier starts are dropped here: a restart is when stale ones pile up.
 */
export async function issueSetupToken(db: Queryable, now: number = Date.now()): Promise<string> {
  await ensureAuthTables(db);
  await db.run(`DELETE FROM "_setupTokens" WHERE "expires" <= ?`, [now]);
  const token = randomString(TOKEN_LENGTH);
  await db.run(`INSERT INTO "_setupTokens" ("hash", "expires") VALUES (?, ?)`, [sha256(token), now + SETUP_TOKEN_TTL_MS]);
  return token;
}

/** Whether `token` is a live setup token, without spending it (a cheap check before real work). */
export async function isSetupToken(db: Queryable, token: unknown, now: number = Date.now()): Promise<boolean> {
  if (!plausible(token)) return false;
  await ensureAuthTables(db);
  const row = await db.get(`SELECT 1 AS "ok" FROM "_setupTokens" WHERE "hash" = ? AND "expires" > ?`, [sha256(token), now]);
  return row !== undefined;
}

/**
 * Spends `token`: true when this call deleted it. Meant for the transaction that creates the first
 * superuser, so a rollback puts the token back and, of two nodes racing with one token, the DELETE
 * of the second finds no row once the first commits.
 */
export async function spendSetupToken(tx: Queryable, token: unknown, now: number = Date.now()): Promise<boolean> {
  if (!plausible(token)) return false;
  const res = await tx.run(`DELETE FROM "_setupTokens" WHERE "hash" = ? AND "expires" > ?`, [sha256(token), now]);
  return res.changes === 1;
}

/** Forgets every setup token (a superuser now exists). The caller ensures the auth tables. */
export async function clearSetupTokens(q: Queryable): Promise<void> {
  await q.run(`DELETE FROM "_setupTokens"`);
}
