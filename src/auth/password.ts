/**
 * Password hashing: argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane), computed
 * off the event loop by the native addon. The PHC string stores its parameters, so raising them later
 * keeps old hashes verifiable.
 */
import type { Algorithm, Options } from '@node-rs/argon2';

// Loaded on the first login, not at start: `galley serve` should be ready before anyone logs in.
// Kept once loaded, as jose in tokens.ts (each import() may cost a trip to a loader hooks thread).
let argon2Module: Promise<typeof import('@node-rs/argon2')> | undefined;
const argon2 = (): Promise<typeof import('@node-rs/argon2')> => (argon2Module ??= import('@node-rs/argon2'));

// `Algorithm` is a const enum in the addon's typings; its value is spelled out because isolated
// modules cannot inline const enums from declaration files.
const ARGON2ID = 2 as Algorithm;

export const passwordHashOptions: Readonly<Options> = Object.freeze({
  algorithm: ARGON2ID,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
});

export async function hashPassword(password: string): Promise<string> {
  return (await argon2()).hash(password, passwordHashOptions);
}

/** A malformed stored hash counts as a mismatch, never as a server error. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  if (!stored.startsWith('$argon2')) return false;
  try {
    return await (await argon2()).verify(stored, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Checks a password against a user that may not exist. Without a user it still verifies against a
 * dummy hash, so the response time does not tell whether the identity is registered.
 */
export async function verifyPasswordOrDummy(stored: string | undefined, password: string): Promise<boolean> {
  if (stored) return verifyPassword(stored, password);
  dummyHash ??= hashPassword('galley-dummy-password');
  await verifyPassword(await dummyHash, password);
  return false;
}
