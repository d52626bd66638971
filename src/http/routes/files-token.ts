/**
 * `POST /api/files/token`: a short-lived token for protected files (PocketBase's shape `{token}`).
 * Any authenticated record may ask (401 otherwise). The token is a JWT of type `file` signed with the
 * record's tokenKey and its collection's `fileToken` secret, valid `fileToken.duration` seconds
 * (180 by default); `fileTokenAuth` turns a `?token=` back into the identity it was issued to.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { findAuthRecord } from '../../auth/auth-record.js';
import type { AuthState } from '../../auth/auth-record.js';
import { peekClaims, signingKey, signToken, verifyToken } from '../../auth/tokens.js';
import { apiError } from '../../core/errors.js';

const DEFAULT_FILE_TOKEN_SECONDS = 180;

export function filesTokenRoute(_app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/files/token',
    handler: async function issueFileToken(request) {
      const auth = request.auth;
      if (!auth) throw apiError('unauthorized');
      const config = auth.collection.fileToken;
      if (!config?.secret) throw apiError('bad_request', 'File tokens are not configured for this collection.');
      const token = signToken(
        { id: auth.record.id, type: 'file', collectionId: auth.collection.id },
        signingKey(auth.record.tokenKey, config.secret),
        config.duration > 0 ? config.duration : DEFAULT_FILE_TOKEN_SECONDS,
      );
      return { token };
    },
  };
}

/** The identity a file token was issued to, or undefined (malformed, expired, revoked or another type). */
export async function fileTokenAuth(app: App, token: string | undefined): Promise<AuthState | undefined> {
  if (!token || token.length > 4096) return undefined;
  const claims = peekClaims(token);
  if (!claims || claims.type !== 'file') return undefined;
  const collection = app.collections.find(claims.collectionId);
  if (!collection || collection.type !== 'auth' || collection.id !== claims.collectionId) return undefined;
  const secret = collection.fileToken?.secret;
  if (!secret) return undefined;
  const record = await findAuthRecord(app.db, collection, 'id', claims.id);
  if (!record) return undefined;
  const verified = await verifyToken(token, signingKey(record.tokenKey, secret), 'file');
  return verified ? { collection, record } : undefined;
}
