/**
 * Auth tokens: JWT HS256 with PocketBase's claims, so the JS SDK can read them (`atob` on the
 * payload: claims stay plain ASCII). The signing key is the record's `tokenKey` followed by the
 * collection's per-type secret: rotating a record's tokenKey (password change) revokes its tokens,
 * rotating the secret revokes the whole collection's.
 */
// jose is loaded with the first token seen, keeping it off the start-up path.
// Kept once loaded: with loader hooks registered (tsx, once an app file is loaded) every import()
// is a round trip to the hooks thread, about a millisecond per request.
let joseModule: Promise<typeof import('jose')> | undefined;
const jose = (): Promise<typeof import('jose')> => (joseModule ??= import('jose'));

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

const encoder = new TextEncoder();

export function signingKey(tokenKey: string, secret: string): Uint8Array {
  return encoder.encode(tokenKey + secret);
}

/** Signs `claims` valid for `durationSeconds` from now. */
export async function signToken(
  claims: Omit<TokenClaims, 'exp'>,
  key: Uint8Array,
  durationSeconds: number,
): Promise<string> {
  const exp = Math.floor(Date.now() / 1000) + Math.floor(durationSeconds);
  const { SignJWT } = await jose();
  return new SignJWT({ ...claims, exp }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
}

/**
 * The claims of a token WITHOUT checking its signature: only to find which record and collection
 * hold the key to verify it with. Undefined when it is not a well-formed Galley token.
 */
export function peekClaims(token: string): TokenClaims | undefined {
  try {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts[1]) return undefined;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
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
export async function verifyToken(token: string, key: Uint8Array, type: TokenType): Promise<TokenClaims | undefined> {
  try {
    const { jwtVerify } = await jose();
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp'] });
    if (payload.type !== type) return undefined;
    return payload as unknown as TokenClaims;
  } catch {
    return undefined;
  }
}
