/**
 * Superuser accounts for the CLI (`galley superuser upsert|delete`). Takes the database and the
 * collection service rather than the App, so `cli` and `app` both depend on `auth`, never the reverse.
 */
import type { Collection } from '../core/schema.js';
import type { Database } from '../db/database.js';
import { hashPassword } from './password.js';
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
  const normalized = email.trim();
  if (!EMAIL.test(normalized) || normalized.length > 255) throw new SuperuserError(`invalid email "${email}"`);
  if (password.length < 8) throw new SuperuserError('the password must be at least 8 characters');
  if (password.length > 1024) throw new SuperuserError('the password is too long');
  superusersCollection(deps);
  const hash = await hashPassword(password);
  const now = new Date().toISOString().replace('T', ' ');
  return deps.db.transaction(async (tx) => {
    const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const existing = await tx.get<{ id: string }>(
      `SELECT "id" FROM "${SUPERUSERS}" WHERE LOWER("email") = LOWER(?)${lock}`,
      [normalized],
    );
    const tokenKey = randomString(50);
    if (existing) {
      await tx.run(`UPDATE "${SUPERUSERS}" SET "password" = ?, "tokenKey" = ?, "updated" = ? WHERE "id" = ?`, [
        hash,
        tokenKey,
        now,
        existing.id,
      ]);
      return { id: existing.id, created: false };
    }
    const id = randomRecordId();
    await tx.run(
      `INSERT INTO "${SUPERUSERS}" ("id", "email", "password", "tokenKey", "emailVisibility", "verified", "created", "updated")
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [id, normalized, hash, tokenKey, false, true, now, now],
    );
    return { id, created: true };
  });
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
