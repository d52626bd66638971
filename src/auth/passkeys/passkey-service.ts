/**
 * Passkeys (WebAuthn, Galley): an authenticated record registers credentials; a passkey then
 * proves the record as a login method of its own or as the second MFA method. Verification is
 * `@simplewebauthn/server`'s; Galley keeps the credentials (`_passkeys`: public key, signature
 * counter, transports) and single-use challenges (`_passkeyChallenges`, 5 minutes).
 *
 * The relying party is the app's URL (settings `meta.appURL`): its host is the RP ID and its
 * origin the only accepted origin, so the browser pages using passkeys must be served there.
 */
import type * as SimpleWebAuthn from '@simplewebauthn/server';
import type { AuthenticationResponseJSON, AuthenticatorTransportFuture, RegistrationResponseJSON } from '@simplewebauthn/server';
import { apiError } from '../../core/errors.js';
import type { Collection } from '../../core/schema.js';
import type { Database } from '../../db/database.js';
import { findAuthRecord } from '../auth-record.js';
import type { AuthRecord } from '../auth-record.js';
import { ensureAuthTables, ms } from '../auth-tables.js';

// ~0.5 s of CPU to import (with @peculiar/*): loaded on the first passkey request, not at start-up.
let webauthnModule: Promise<typeof SimpleWebAuthn> | undefined;
const webauthn = (): Promise<typeof SimpleWebAuthn> => (webauthnModule ??= import('@simplewebauthn/server'));

const CHALLENGE_MS = 5 * 60_000;
const MAX_PASSKEYS_PER_RECORD = 20;
const FAILED = 'Failed to authenticate.';

export interface RelyingParty {
  /** The app's host name (WebAuthn RP ID). */
  id: string;
  /** The one accepted origin (`https://app.example`). */
  origin: string;
  name: string;
}

export interface PasskeyInfo {
  id: string;
  name: string;
  created: number;
  lastUsed: number;
}

interface PasskeyRow {
  id: string;
  recordRef: string;
  publicKey: string;
  counter: unknown;
  transports: string;
}

export function relyingParty(appURL: string, appName: string): RelyingParty {
  let url: URL;
  try {
    url = new URL(appURL);
  } catch {
    throw apiError('bad_request', 'Passkeys need the app URL (settings meta.appURL) to be set.');
  }
  return { id: url.hostname, origin: url.origin, name: appName || url.hostname };
}

const userHandle = (record: AuthRecord): Uint8Array<ArrayBuffer> => Uint8Array.from(Buffer.from(record.id, 'utf8'));

export class PasskeyService {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async list(collection: Collection, record: AuthRecord): Promise<PasskeyInfo[]> {
    await ensureAuthTables(this.#db);
    const rows = await this.#db.all(
      `SELECT "id", "name", "created", "lastUsed" FROM "_passkeys" WHERE "collectionRef" = ? AND "recordRef" = ? ORDER BY "created"`,
      [collection.id, record.id],
    );
    return rows.map((r) => ({ id: String(r.id), name: String(r.name), created: ms(r.created), lastUsed: ms(r.lastUsed) }));
  }

  async remove(collection: Collection, record: AuthRecord, id: string): Promise<void> {
    await ensureAuthTables(this.#db);
    const row = await this.#db.get(`SELECT "id" FROM "_passkeys" WHERE "id" = ? AND "collectionRef" = ? AND "recordRef" = ?`, [id, collection.id, record.id]);
    if (!row) throw apiError('not_found');
    await this.#db.run(`DELETE FROM "_passkeys" WHERE "id" = ?`, [id]);
  }

  /** Creation options for the record's next passkey (its existing ones excluded). */
  async registrationOptions(rp: RelyingParty, collection: Collection, record: AuthRecord): Promise<unknown> {
    await ensureAuthTables(this.#db);
    const existing = await this.#rows(`"collectionRef" = ? AND "recordRef" = ?`, [collection.id, record.id]);
    if (existing.length >= MAX_PASSKEYS_PER_RECORD) throw apiError('bad_request', `At most ${MAX_PASSKEYS_PER_RECORD} passkeys per account.`);
    const options = await (await webauthn()).generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: record.email || record.id,
      userID: userHandle(record),
      attestationType: 'none',
      excludeCredentials: existing.map((r) => ({ id: r.id, transports: transportsOf(r) })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    await this.#storeChallenge(options.challenge, collection, record.id, 'register');
    return options;
  }

  /** Verifies the authenticator's attestation and stores the new credential. */
  async register(rp: RelyingParty, collection: Collection, record: AuthRecord, credential: unknown, name: unknown): Promise<PasskeyInfo> {
    const response = credential as RegistrationResponseJSON;
    const challenge = challengeOf(response);
    await this.#takeChallenge(challenge, collection, 'register', record.id);
    let result: Awaited<ReturnType<typeof SimpleWebAuthn.verifyRegistrationResponse>>;
    try {
      result = await (await webauthn()).verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        requireUserVerification: false,
      });
    } catch {
      throw apiError('bad_request', 'The passkey could not be verified.');
    }
    if (!result.verified) throw apiError('bad_request', 'The passkey could not be verified.');
    const { credential: cred } = result.registrationInfo;
    if ((await this.#rows(`"id" = ?`, [cred.id])).length > 0) throw apiError('bad_request', 'The passkey is already registered.');
    const label = typeof name === 'string' ? name.trim().slice(0, 100) : '';
    const now = Date.now();
    await this.#db.run(
      `INSERT INTO "_passkeys" ("id", "collectionRef", "recordRef", "name", "publicKey", "counter", "transports", "created", "lastUsed") VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`,
      [cred.id, collection.id, record.id, label, Buffer.from(cred.publicKey).toString('base64url'), cred.counter, JSON.stringify(cred.transports ?? []), now],
    );
    return { id: cred.id, name: label, created: now, lastUsed: 0 };
  }

  /**
   * Request options for a login: with `record` (found by identity, or the MFA session's) only its
   * credentials are allowed; without, the authenticator offers its discoverable ones.
   */
  async authenticationOptions(rp: RelyingParty, collection: Collection, record: AuthRecord | undefined): Promise<unknown> {
    await ensureAuthTables(this.#db);
    const allowed = record ? await this.#rows(`"collectionRef" = ? AND "recordRef" = ?`, [collection.id, record.id]) : [];
    const options = await (await webauthn()).generateAuthenticationOptions({
      rpID: rp.id,
      userVerification: 'preferred',
      ...(allowed.length > 0 ? { allowCredentials: allowed.map((r) => ({ id: r.id, transports: transportsOf(r) })) } : {}),
    });
    await this.#storeChallenge(options.challenge, collection, '', 'login');
    return options;
  }

  /** Verifies an assertion (challenge, origin, RP, signature, counter) and returns its record. */
  async authenticate(rp: RelyingParty, collection: Collection, credential: unknown): Promise<AuthRecord> {
    const response = credential as AuthenticationResponseJSON;
    const challenge = challengeOf(response);
    await this.#takeChallenge(challenge, collection, 'login', '');
    const id = typeof response?.id === 'string' ? response.id : '';
    const [row] = id === '' ? [] : await this.#rows(`"id" = ? AND "collectionRef" = ?`, [id, collection.id]);
    if (!row) throw apiError('bad_request', FAILED);
    let result: Awaited<ReturnType<typeof SimpleWebAuthn.verifyAuthenticationResponse>>;
    try {
      result = await (await webauthn()).verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        requireUserVerification: false,
        credential: { id: row.id, publicKey: new Uint8Array(Buffer.from(row.publicKey, 'base64url')), counter: ms(row.counter), transports: transportsOf(row) },
      });
    } catch {
      // Includes a signature counter that did not grow (a cloned authenticator).
      throw apiError('bad_request', FAILED);
    }
    if (!result.verified) throw apiError('bad_request', FAILED);
    // The counter only moves forward: a concurrent use of the same assertion loses here.
    const updated = await this.#db.run(
      `UPDATE "_passkeys" SET "counter" = ?, "lastUsed" = ? WHERE "id" = ? AND ("counter" < ? OR "counter" = 0)`,
      [result.authenticationInfo.newCounter, Date.now(), row.id, result.authenticationInfo.newCounter],
    );
    if (updated.changes === 0) throw apiError('bad_request', FAILED);
    const record = await findAuthRecord(this.#db, collection, 'id', row.recordRef);
    if (!record) throw apiError('bad_request', FAILED);
    return record;
  }

  async #rows(where: string, params: string[]): Promise<PasskeyRow[]> {
    return (await this.#db.all(`SELECT "id", "recordRef", "publicKey", "counter", "transports" FROM "_passkeys" WHERE ${where}`, params)) as unknown as PasskeyRow[];
  }

  async #storeChallenge(challenge: string, collection: Collection, recordId: string, kind: string): Promise<void> {
    const now = Date.now();
    await this.#db.run(`DELETE FROM "_passkeyChallenges" WHERE "created" < ?`, [now - CHALLENGE_MS]);
    await this.#db.run(`INSERT INTO "_passkeyChallenges" ("id", "collectionRef", "recordRef", "kind", "created") VALUES (?, ?, ?, ?, ?)`, [
      challenge,
      collection.id,
      recordId,
      kind,
      now,
    ]);
  }

  /** Uses up a challenge: it must exist, be fresh, of this kind, collection and record. */
  async #takeChallenge(challenge: string, collection: Collection, kind: string, recordId: string): Promise<void> {
    await ensureAuthTables(this.#db);
    const failed = kind === 'login' ? FAILED : 'Invalid or expired passkey challenge.';
    if (challenge === '' || challenge.length > 512) throw apiError('bad_request', failed);
    const deleted = await this.#db.run(
      `DELETE FROM "_passkeyChallenges" WHERE "id" = ? AND "collectionRef" = ? AND "kind" = ? AND "recordRef" = ? AND "created" >= ?`,
      [challenge, collection.id, kind, recordId, Date.now() - CHALLENGE_MS],
    );
    if (deleted.changes === 0) throw apiError('bad_request', failed);
  }
}

function transportsOf(row: PasskeyRow): AuthenticatorTransportFuture[] {
  try {
    const list = JSON.parse(row.transports) as unknown;
    return Array.isArray(list) ? (list.filter((t) => typeof t === 'string') as AuthenticatorTransportFuture[]) : [];
  } catch {
    return [];
  }
}

/** The challenge the client signed (from clientDataJSON), '' when unreadable. */
function challengeOf(response: { response?: { clientDataJSON?: unknown } } | null | undefined): string {
  const data = response?.response?.clientDataJSON;
  if (typeof data !== 'string' || data.length > 4096) return '';
  try {
    const parsed = JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof parsed.challenge === 'string' ? parsed.challenge : '';
  } catch {
    return '';
  }
}
