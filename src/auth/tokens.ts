/**
 * Auth tokens: JWT HS256 with PocketBase's claims, so the JS SDK can read them (`atob` on the
 * payload: claims stay plain ASCII). The signing key is the record's `tokenKey` followed by the
 * collection's per-type secret: rotating a record's tokenKey (password change) revokes its tokens,
 * rotating the secret revokes the whole collection's.
 */
import { createHmac } from 'node:crypto';

// HS256 is signed and verified with node:crypto directly rather than through jose: jose 6 goes
// through WebCrypto, whose HMAC runs as an async job (key import plus a thread-pool round trip)
// and cost more CPU than the rest of an authenticated create (~0.5 ms per verify on the bench
// machine). The checks below are the ones jose's jwtVerify made with our options (RFC 7519).

export type TokenType = 'auth' | 'file' | 'verification' | 'passwordReset' | 'emailChange';

export interface TokenClaims {
  id: string;
  type: TokenType;
  collectionId: string;
  /** Auth tokens only: whether auth-refresh may re-issue it (false for impersonation tokens). */
  refreshable?: boolean;
  email?: string;
  newEmail?: string;
  /**
   * Auth tokens only (Galley): the methods that authenticated the session, e.g. `["password",
   * "totp"]` after MFA. Read by rules as `@request.auth.amr.<method>` (docs/auth.md).
   */
  amr?: string[];
  exp: number;
}

/**
 * The HMAC key of a record's tokens: its tokenKey and the collection's secret, as text (node:crypto
 * encodes it as UTF-8; a TextEncoder round trip per request cost ~0.7 µs per HMAC).
 */
export function signingKey(tokenKey: string, secret: string): string {
  return tokenKey + secret;
}

/** A signing key: text (it stands for its UTF-8 bytes), or bytes. */
export type SigningKey = string | Uint8Array;

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function hs256(input: string, key: SigningKey): string {
  return createHmac('sha256', key).update(input).digest('base64url');
}

/** Signs `claims` valid for `durationSeconds` from now. */
export function signToken(
  claims: Omit<TokenClaims, 'exp'>,
  key: SigningKey,
  durationSeconds: number,
): string {
  const exp = Math.floor(Date.now() / 1000) + Math.floor(durationSeconds);
  const input = `${HEADER}.${base64url(JSON.stringify({ ...claims, exp }))}`;
  return `${input}.${hs256(input, key)}`;
}

/**
 * The claims of a token WITHOUT checking its signature: only to find which record and collection
 * hold the key to verify it with. Undefined when it is not a well-formed Galley token.
 */
export function peekClaims(token: string): TokenClaims | undefined {
  const headerEnd = token.indexOf('.');
  const payloadEnd = headerEnd < 0 ? -1 : token.indexOf('.', headerEnd + 1);
  // Exactly three parts, the payload not empty (what `split('.')` checked, without its array).
  if (payloadEnd < 0 || payloadEnd === headerEnd + 1 || token.indexOf('.', payloadEnd + 1) !== -1) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(token.slice(headerEnd + 1, payloadEnd), 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof claims !== 'object' || claims === null) return undefined;
    if (
      typeof claims.id !== 'string' ||
      typeof claims.type !== 'string' ||
      typeof claims.collectionId !== 'string' ||
      typeof claims.exp !== 'number'
    ) {
      return undefined;
    }
    return claims as unknown as TokenClaims;
  } catch {
    return undefined;
  }
}

/** The verified claims, or undefined for a bad signature, an expired token or another type. */
export async function verifyToken(token: string, key: SigningKey, type: TokenType): Promise<TokenClaims | undefined> {
  return verifyPeekedToken(token, undefined, key, type);
}

/**
 * `verifyToken` for a token whose claims were already read with `peekClaims(token)` (to find the
 * key): the payload is not decoded a second time. The signature covers that same payload text,
 * so once it matches, the peeked claims are the signed ones.
 */
export function verifyPeekedToken(
  token: string,
  peeked: TokenClaims | undefined,
  key: SigningKey,
  type: TokenType,
): TokenClaims | undefined {
  const claims = verifiedClaims(token, peeked as Record<string, unknown> | undefined, key);
  return claims !== undefined && claims.type === type ? (claims as unknown as TokenClaims) : undefined;
}

function verifiedClaims(token: string, peeked: Record<string, unknown> | undefined, key: SigningKey): Record<string, unknown> | undefined {
  const headerEnd = token.indexOf('.');
  const payloadEnd = token.indexOf('.', headerEnd + 1);
  if (headerEnd <= 0 || payloadEnd < 0 || token.indexOf('.', payloadEnd + 1) !== -1) return undefined;
  // The signature is compared as canonical base64url text, so no other spelling of it passes.
  if (!sameText(token.slice(payloadEnd + 1), hs256(token.slice(0, payloadEnd), key))) return undefined;
  // The header every Galley token carries needs no decoding; any other is checked in full.
  if (headerEnd !== HEADER.length || !token.startsWith(HEADER)) {
    const header = decodeJsonObject(token.slice(0, headerEnd));
    // Only HS256, and no `crit` extensions (none is understood, so any must be refused).
    if (header === undefined || header.alg !== 'HS256' || header.crit !== undefined) return undefined;
  }
  const claims = peeked ?? decodeJsonObject(token.slice(headerEnd + 1, payloadEnd));
  if (claims === undefined) return undefined;
  const now = Math.floor(Date.now() / 1000);
  const { exp, nbf, iat } = claims;
  if (typeof exp !== 'number' || exp <= now) return undefined;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now)) return undefined;
  if (iat !== undefined && typeof iat !== 'number') return undefined;
  return claims;
}

/**
 * Constant-time equality of two strings (the time depends only on the length, which is public:
 * a SHA-256 signature is always 43 characters). Equal UTF-16 code units mean equal UTF-8 bytes,
 * so this accepts exactly what comparing the encoded bytes did, without two buffers per check.
 */
function sameText(actual: string, expected: string): boolean {
  if (actual.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= actual.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}

function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
