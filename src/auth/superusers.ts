/**
 * Superuser accounts for the CLI (`galley superuser upsert|delete`) and the first-run setup link
 * (`createFirstSuperuser`, behind `POST /api/dashboard/setup`). Takes the database and the
 * collection service rather than the App, so `cli` and `app` both depend on `auth`, never the reverse.
 */
import type { Collection } from '../core/schema.js';
import type { Database, Queryable } from '../db/database.js';
import { ensureAuthTables } from './auth-tables.js';
import { hashPassword } from './password.js';
import { clearSetupTokens, isSetupToken, spendSetupToken } from './setup-tokens.js';
import { randomRecordId, randomString } from '../lib/random-string.js';

export const SUPERUSERS = '_superusers';

export interface SuperuserDeps {
  db: Database;
  collections: { find(nameOrId: string): Collection | undefined };
}

export class SuperuserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SuperuserError';
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Creates the superuser or sets its password. A new password also gets a new tokenKey, so tokens
 * issued before are revoked. Returns the record id and whether it was created.
 */
export async function upsertSuperuser(
  deps: SuperuserDeps,
  email: string,
  password: string,
): Promise<{ id: string; created: boolean }> {
  const normalized = checkCredentials(email, password);
  superusersCollection(deps);
  await ensureAuthTables(deps.db);
  const hash = await hashPassword(password);
  return deps.db.transaction(async (tx) => {
    const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const existing = await tx.get<{ id: string }>(
      `SELECT "id" FROM "${SUPERUSERS}" WHERE LOWER("email") = LOWER(?)${lock}`,
      [normalized],
    );
    if (existing) {
      await tx.run(`UPDATE "${SUPERUSERS}" SET "password" = ?, "tokenKey" = ?, "updated" = ? WHERE "id" = ?`, [
        hash,
        randomString(50),
        now(),
        existing.id,
      ]);
      return { id: existing.id, created: false };
    }
    return { id: await insertSuperuser(tx, normalized, hash), created: true };
  });
}

/**
 * Creates the first superuser with a setup token (the dashboard's first-run page, on any node).
 * Returns false, creating nothing, when the token is unknown, expired or spent, or when a superuser
 * already exists. The token is spent in the transaction that creates the account, so a failed
 * creation leaves it usable.
 */
export async function createFirstSuperuser(
  deps: SuperuserDeps,
  token: unknown,
  email: string,
  password: string,
): Promise<boolean> {
  const normalized = checkCredentials(email, password);
  superusersCollection(deps);
  // A guessed token costs one indexed lookup, never a password hash.
  if (!(await isSetupToken(deps.db, token))) return false;
  const hash = await hashPassword(password);
  // SERIALIZABLE (PostgreSQL): two nodes spending two different links at once would each count no
  // superuser and insert one; one of them fails to serialize instead, is retried, and then finds
  // its link gone. Two nodes with the same link: the second DELETE waits for the first
  // transaction's row lock and, once it commits, fails to serialize too and finds no row.
  return deps.db.transaction(
    async (tx) => {
      if (!(await spendSetupToken(tx, token))) return false;
      const row = await tx.get<{ n: unknown }>(`SELECT COUNT(*) AS "n" FROM "${SUPERUSERS}"`);
      if (Number(row?.n ?? 0) > 0) {
        await clearSetupTokens(tx);
        return false;
      }
      await insertSuperuser(tx, normalized, hash);
      return true;
    },
    { isolation: 'serializable' },
  );
}

/** Inserts a new superuser; every setup link is retired with it, whoever created the account. */
async function insertSuperuser(tx: Queryable, email: string, passwordHash: string): Promise<string> {
  const id = randomRecordId();
  const created = now();
  await tx.run(
    `INSERT INTO "${SUPERUSERS}" ("id", "email", "password", "tokenKey", "emailVisibility", "verified", "created", "updated")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [id, email, passwordHash, randomString(50), false, true, created, created],
  );
  await clearSetupTokens(tx);
  return id;
}

const now = (): string => new Date().toISOString().replace('T', ' ');

/** The trimmed email; throws SuperuserError for what the collection would refuse. */
function checkCredentials(email: string, password: string): string {
  const normalized = email.trim();
  if (!EMAIL.test(normalized) || normalized.length > 255) throw new SuperuserError(`invalid email "${email}"`);
  if (password.length < 8) throw new SuperuserError('the password must be at least 8 characters');
  if (password.length > 1024) throw new SuperuserError('the password is too long');
  return normalized;
}

/** Returns whether a superuser with that email existed. */
export async function deleteSuperuser(deps: SuperuserDeps, email: string): Promise<boolean> {
  superusersCollection(deps);
  const res = await deps.db.run(`DELETE FROM "${SUPERUSERS}" WHERE LOWER("email") = LOWER(?)`, [email.trim()]);
  return res.changes > 0;
}

function superusersCollection(deps: SuperuserDeps): Collection {
  const collection = deps.collections.find(SUPERUSERS);
  if (!collection || collection.type !== 'auth') {
    throw new SuperuserError('the _superusers collection is missing (the database was not initialised)');
  }
  return collection;
}
