/**
 * Brute-force protection for every way of proving an identity (password, OTP, TOTP), always on.
 * Failed attempts are counted per identity and per client IP; past a few free attempts each new
 * failure blocks that identity (or IP) for an exponentially growing time, capped, so an attacker
 * slows to a crawl but nobody can lock an account out for good (a permanent lockout would let
 * anyone lock out anyone). A blocked attempt is refused before any check runs, with 429 and
 * `Retry-After`; it does not count as a failure. A success clears the identity's count.
 */
import { apiError } from '../../core/errors.js';
import type { ApiError } from '../../core/errors.js';
import type { CounterStore } from './counter-store.js';

export interface BruteForceOptions {
  /** Failures per identity before the first block. Default 5. */
  identityFreeAttempts: number;
  /** Failures per IP (all identities) before the first block. Default 20. */
  ipFreeAttempts: number;
  /** The first block; each further failure doubles it. Default 1000 ms. */
  baseMs: number;
  /** The longest block. Default 600000 ms (10 minutes). */
  maxMs: number;
  /** Failures are forgotten this long after the first one of a series. Default 3600000 ms (1 hour). */
  windowMs: number;
}

export const defaultBruteForceOptions: Readonly<BruteForceOptions> = Object.freeze({
  identityFreeAttempts: 5,
  ipFreeAttempts: 20,
  baseMs: 1000,
  maxMs: 600_000,
  windowMs: 3_600_000,
});

/** What is being guessed: one counter family per kind of secret. */
export type AttemptKind = 'password' | 'otp' | 'totp';

export interface AttemptSubject {
  kind: AttemptKind;
  /** Who is being guessed at (collection id + identity, or record id). */
  identity: string;
  /** The client's real IP ('' when unknown: then only the identity is counted). */
  ip: string;
}

export class BruteForceGuard {
  readonly #store: CounterStore;
  readonly #options: BruteForceOptions;

  constructor(store: CounterStore, options: Partial<BruteForceOptions> = {}) {
    this.#store = store;
    this.#options = Object.freeze({ ...defaultBruteForceOptions, ...options });
  }

  get options(): Readonly<BruteForceOptions> {
    return this.#options;
  }

  /** Throws 429 (with the wait in seconds for `Retry-After`) while the identity or the IP is blocked. */
  async assertAllowed(subject: AttemptSubject): Promise<void> {
    const waits = await Promise.all(this.#keys(subject).map(([key]) => this.#store.blockedFor(`${key}:block`)));
    const wait = Math.max(0, ...waits);
    if (wait > 0) throw tooManyAttempts(wait);
  }

  async recordFailure(subject: AttemptSubject): Promise<void> {
    await Promise.all(
      this.#keys(subject).map(async ([key, free]) => {
        const { count } = await this.#store.increment(`${key}:fails`, this.#options.windowMs);
        if (count <= free) return;
        const ms = Math.min(this.#options.maxMs, this.#options.baseMs * 2 ** Math.min(count - free - 1, 30));
        await this.#store.block(`${key}:block`, ms);
      }),
    );
  }

  /** A success clears the identity's failures (not the IP's: one good login must not reset a spray). */
  async recordSuccess(subject: AttemptSubject): Promise<void> {
    const key = `bf:${subject.kind}:id:${subject.identity}`;
    await Promise.all([this.#store.reset(`${key}:fails`), this.#store.reset(`${key}:block`)]);
  }

  #keys(subject: AttemptSubject): Array<[string, number]> {
    const keys: Array<[string, number]> = [[`bf:${subject.kind}:id:${subject.identity}`, this.#options.identityFreeAttempts]];
    if (subject.ip !== '') keys.push([`bf:${subject.kind}:ip:${subject.ip}`, this.#options.ipFreeAttempts]);
    return keys;
  }
}

/** 429 with `Retry-After` in whole seconds (at least 1). */
export function tooManyAttempts(waitMs: number, message = 'Too many failed attempts, please try again later.'): ApiError {
  const error = apiError('too_many_requests', message);
  error.headers['retry-after'] = String(Math.max(1, Math.ceil(waitMs / 1000)));
  return error;
}
