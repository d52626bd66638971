/**
 * `app.auth`: every login flow and the account-security state behind them (brute-force guard,
 * counters, MFA sessions, OTPs, TOTP, login origins, API keys).
 *
 * **One way a login completes.** Every method — password, OTP, TOTP, and later OAuth2 and
 * passkeys — proves a record and then calls `completeLogin({collection, record, method, ...})`,
 * which checks the collection's `authRule`, runs MFA (answering `{mfaId}` when a second method is
 * needed), signs the token with the session's methods (`amr`), records the login origin and sends
 * the new-device alert. A new method only has to prove the record; see docs/auth.md.
 */
import type { Logger } from 'pino';
import { apiError, fieldError, validationError } from '../core/errors.js';
import type { Collection } from '../core/schema.js';
import type { Database } from '../db/database.js';
import { randomRecordId } from '../lib/random-string.js';
import type { RecordService } from '../records/record-service.js';
import type { SchemaLookup } from '../rules/index.js';
import { recordAuthOrigin } from './auth-alert.js';
import type { ClientInfo } from './auth-alert.js';
import { findAuthRecord } from './auth-record.js';
import type { AuthRecord } from './auth-record.js';
import { checkAuthRule } from './auth-rule.js';
import { ensureAuthTables, ms } from './auth-tables.js';
import type { EmailFlowDeps } from './email-flows.js';
import { BruteForceGuard, tooManyAttempts } from './limits/brute-force.js';
import type { AttemptSubject, BruteForceOptions } from './limits/brute-force.js';
import type { CounterStore } from './limits/counter-store.js';
import type { MailPort } from './mail-port.js';
import { mailFlow, sendTemplate } from './mail-port.js';
import { SYSTEM_CONTEXT } from './system-context.js';
import { checkMfa } from './mfa.js';
import { createOtp, deleteOtp, findLiveOtp, INVALID_OTP, OTP_ATTEMPTS_PER_RECORD, otpDurationMs, otpMatches } from './otp.js';
import { issueAuthToken, passwordIdentity, verifyPasswordIdentity } from './password-auth.js';
import type { AuthResponse, Requester } from './password-auth.js';
import { totpEnrolled, verifyTotp } from './totp.js';
import type { SecretCipher, TotpDeps } from './totp.js';

/** Names of the built-in methods; OAuth2 and passkeys add `oauth2` and `passkey`. */
export type AuthMethodName = 'password' | 'otp' | 'totp' | 'oauth2' | 'passkey' | (string & {});

/** Who is logging in from where: the rule request as it arrived, superuser flag, client. */
export interface LoginRequest extends Requester {
  client: ClientInfo;
  /** The `mfaId` sent with the request ('' for none). */
  mfaId: string;
}

export interface CompleteLoginInput {
  collection: Collection;
  record: AuthRecord;
  method: AuthMethodName;
  request: LoginRequest;
  /** Extra data for the response's `meta` key (OAuth2: the provider's user info, as PocketBase). */
  meta?: Record<string, unknown>;
}

/** A finished login (token + record + methods), or a pending MFA session to answer 401 with. */
export type LoginResult = { mfaId: string } | (AuthResponse & { amr: string[] });

export interface AuthServiceDeps {
  db: Database;
  collections: SchemaLookup;
  records: RecordService;
  counters: CounterStore;
  bruteForce?: Partial<BruteForceOptions>;
  /** The mail service once the app has one (`app.mail`). */
  mail: () => MailPort | undefined;
  /** Encrypts TOTP secrets at rest (the app's encryption key), when configured. */
  cipher?: SecretCipher | undefined;
  /** The TOTP issuer shown by authenticator apps (the app name). */
  appName: () => string;
  logger: Logger;
}

export class AuthService {
  readonly guard: BruteForceGuard;
  readonly counters: CounterStore;
  readonly #deps: AuthServiceDeps;
  readonly #pending = new Set<Promise<void>>();

  constructor(deps: AuthServiceDeps) {
    this.#deps = deps;
    this.counters = deps.counters;
    this.guard = new BruteForceGuard(deps.counters, deps.bruteForce);
  }

  get totpDeps(): TotpDeps {
    return { db: this.#deps.db, cipher: this.#deps.cipher, issuer: this.#deps.appName };
  }

  get emailFlowDeps(): EmailFlowDeps {
    return { db: this.#deps.db, records: this.#deps.records, mail: this.#deps.mail };
  }

  /**
   * The one place a login completes, whatever proved the record: authRule, MFA, token (with the
   * session's `amr`), login origin and new-device alert. OAuth2 and passkeys call this too.
   */
  async completeLogin(input: CompleteLoginInput): Promise<LoginResult> {
    const { collection, record, method, request } = input;
    const { db, collections } = this.#deps;
    await checkAuthRule({ db, schema: collections }, collection, record.id, request.request, request.isSuperuser);
    const mfa = await checkMfa(
      { db, collections },
      {
        collection,
        record,
        method,
        mfaId: request.mfaId,
        request: request.request,
        totpEnrolled: await totpEnrolled(this.totpDeps, collection, record.id),
      },
    );
    if ('mfaId' in mfa) return { mfaId: mfa.mfaId };
    const token = issueAuthToken(collection, record, true, undefined, mfa.amr);
    try {
      await recordAuthOrigin({ db, mail: this.#deps.mail() }, collection, record, request.client);
    } catch (err) {
      // An alert that cannot be queued must not fail a login that already succeeded.
      this.#deps.logger.warn({ err, recordId: record.id }, 'failed to record the login origin or queue the alert');
    }
    return { token, record, collection, amr: mfa.amr, ...(input.meta ? { meta: input.meta } : {}) };
  }

  /** auth-with-password behind the brute-force guard (per identity and per IP). */
  async passwordLogin(
    collection: Collection,
    input: { identity: unknown; password: unknown; identityField?: unknown },
    request: LoginRequest,
  ): Promise<LoginResult> {
    const subject: AttemptSubject = { kind: 'password', identity: `${collection.id}:${passwordIdentity(input)}`, ip: request.client.ip };
    await this.guard.assertAllowed(subject);
    let record: AuthRecord;
    try {
      record = await verifyPasswordIdentity({ db: this.#deps.db, collections: this.#deps.collections }, collection, input);
    } catch (err) {
      if ((err as { status?: number }).status === 400) await this.guard.recordFailure(subject);
      throw err;
    }
    await this.guard.recordSuccess(subject);
    return this.completeLogin({ collection, record, method: 'password', request });
  }

  /**
   * request-otp: validates the email and answers a new `otpId` at once; looking the email up,
   * storing the code and queueing its mail happen after the answer (PocketBase does the same), so
   * an unknown email gets the same answer in the same time. The OTP row and its mail are written
   * in one transaction.
   */
  async requestOtp(collection: Collection, email: unknown): Promise<{ otpId: string }> {
    if (!collection.otp?.enabled) throw apiError('forbidden', 'The collection is not configured to allow OTP authentication.');
    const address = typeof email === 'string' ? email.trim() : '';
    if (address === '' || address.length > 255 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address)) {
      throw validationError({ email: fieldError(address === '' ? 'validation_required' : 'validation_is_email') }, 'An error occurred while validating the submitted data.');
    }
    const otpId = randomRecordId();
    const { db } = this.#deps;
    this.background('request-otp', async () => {
      const record = await findAuthRecord(db, collection, 'email', address);
      if (!record) return;
      await ensureAuthTables(db);
      await db.transaction(async (tx) => {
        const code = await createOtp(tx, collection, record, otpId);
        const template = collection.otp?.emailTemplate;
        if (code === undefined || !template) return;
        await sendTemplate(this.#deps.mail(), record.email, template, {
          OTP: code,
          OTP_ID: otpId,
          'RECORD:id': record.id,
          'RECORD:email': record.email,
        }, mailFlow('otp', collection, record, { otpId, otp: code }));
      });
    });
    return { otpId };
  }

  /**
   * Runs `fn` after the current response is written (next turn of the event loop): work whose
   * duration must not show in the answer, like looking up whether an email is registered. Errors
   * are logged; `close()` waits for what is still running.
   */
  background(label: string, fn: () => Promise<unknown>): void {
    const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(fn)
      .then(
        () => undefined,
        (err: unknown) => this.#deps.logger.error({ err, task: label }, 'background auth work failed'),
      )
      .finally(() => this.#pending.delete(task));
    this.#pending.add(task);
  }

  /** auth-with-otp: PocketBase's per-record attempt limit plus the brute-force backoff. */
  async otpLogin(collection: Collection, body: { otpId: unknown; password: unknown }, request: LoginRequest): Promise<LoginResult> {
    if (!collection.otp?.enabled) throw apiError('forbidden', 'The collection is not configured to allow OTP authentication.');
    const otpId = typeof body.otpId === 'string' ? body.otpId : '';
    const code = typeof body.password === 'string' ? body.password : '';
    if (otpId === '' || otpId.length > 255 || code === '' || code.length > 71) {
      throw apiError('bad_request', 'An error occurred while validating the submitted data.');
    }
    const otp = await findLiveOtp(this.#deps.db, collection, otpId);
    const record = await findAuthRecord(this.#deps.db, collection, 'id', otp.recordRef);
    if (!record) throw apiError('bad_request', INVALID_OTP);
    const subject: AttemptSubject = { kind: 'otp', identity: `${collection.id}:${record.id}`, ip: request.client.ip };
    await this.guard.assertAllowed(subject);
    const attempts = await this.counters.increment(`otp:attempts:${collection.id}:${record.id}`, otpDurationMs(collection));
    if (attempts.count > OTP_ATTEMPTS_PER_RECORD) {
      throw tooManyAttempts(attempts.resetMs, 'Too many attempts, please try again later with a new OTP.');
    }
    if (!otpMatches(otp, code)) {
      await this.guard.recordFailure(subject);
      throw apiError('bad_request', INVALID_OTP);
    }
    await this.guard.recordSuccess(subject);
    await deleteOtp(this.#deps.db, otp.id);
    let current = record;
    // The code reached the mailbox: that proves the address (PocketBase marks the record verified).
    if (!record.verified && otp.sentTo !== '' && otp.sentTo.toLowerCase() === String(record.email).toLowerCase()) {
      await this.#deps.records.update(collection.id, record.id, { verified: true }, {}, SYSTEM_CONTEXT);
      current = (await findAuthRecord(this.#deps.db, collection, 'id', record.id)) ?? record;
    }
    return this.completeLogin({ collection, record: current, method: 'otp', request });
  }

  /**
   * auth-with-totp (Galley): the TOTP (or recovery) code of the record whose MFA session `mfaId`
   * names. TOTP is a second method only: it cannot start a login.
   */
  async totpLogin(collection: Collection, body: { code: unknown }, request: LoginRequest): Promise<LoginResult> {
    const code = typeof body.code === 'string' ? body.code.trim() : '';
    if (request.mfaId === '') throw apiError('bad_request', 'TOTP is a second login method: send the mfaId of the first one.');
    if (code === '' || code.length > 64) throw apiError('bad_request', 'Invalid or expired code.');
    await ensureAuthTables(this.#deps.db);
    const row = await this.#deps.db.get(`SELECT * FROM "_mfas" WHERE "id" = ?`, [request.mfaId]);
    const duration = (collection.mfa?.duration || 1800) * 1000;
    if (!row || row.collectionRef !== collection.id || ms(row.created) + duration <= Date.now()) {
      throw apiError('bad_request', 'Invalid or expired MFA session.');
    }
    const record = await findAuthRecord(this.#deps.db, collection, 'id', String(row.recordRef));
    if (!record) throw apiError('bad_request', 'Invalid or expired MFA session.');
    const subject: AttemptSubject = { kind: 'totp', identity: `${collection.id}:${record.id}`, ip: request.client.ip };
    await this.guard.assertAllowed(subject);
    if (!(await verifyTotp(this.totpDeps, collection, record, code))) {
      await this.guard.recordFailure(subject);
      throw apiError('bad_request', 'Invalid or expired code.');
    }
    await this.guard.recordSuccess(subject);
    return this.completeLogin({ collection, record, method: 'totp', request });
  }

  /**
   * A superuser's token for another record: non-refreshable, `amr: ["impersonate"]`, valid
   * `duration` seconds (0 = the collection's auth token duration). No MFA, no alert.
   */
  async impersonate(collection: Collection, recordId: string, duration: unknown): Promise<AuthResponse> {
    const seconds = duration === undefined || duration === null || duration === '' ? 0 : Number(duration);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 94670856) {
      throw validationError({ duration: fieldError('validation_invalid_value') }, 'An error occurred while validating the submitted data.');
    }
    const record = await findAuthRecord(this.#deps.db, collection, 'id', recordId);
    if (!record) throw apiError('not_found');
    const token = issueAuthToken(collection, record, false, seconds > 0 ? seconds : undefined, ['impersonate']);
    return { token, record, collection };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    await this.counters.close();
  }
}
