/**
 * The mail-based account flows, PocketBase's routes and tokens: verification, password reset and
 * email change. Each "request" step mails a signed, short-lived JWT (`{id, type, collectionId,
 * email[, newEmail]}`, key = record tokenKey + the collection's secret for that token type, so a
 * password or email change voids the outstanding ones). The verification and reset requests run
 * after the answer (`AuthService.background`), so neither the answer nor its timing tells
 * whether the email belongs to anyone. Each "confirm" step checks the token, that
 * the record still has the email the token was made for, and writes through the record engine
 * (validation, realtime events), which gives the record a new tokenKey when its password or
 * email changes: every older token stops working.
 */
import { apiError, fieldError, validationError } from '../core/errors.js';
import type { Collection, EmailTemplate, TokenConfig } from '../core/schema.js';
import type { Database } from '../db/database.js';
import type { RecordService } from '../records/record-service.js';
import { findAuthRecord } from './auth-record.js';
import type { AuthRecord, AuthState } from './auth-record.js';
import type { MailPort } from './mail-port.js';
import { mailFlow, sendTemplate } from './mail-port.js';
import type { MailFlow } from '../hooks/app-hooks.js';
import { verifyPassword } from './password.js';
import { SYSTEM_CONTEXT } from './system-context.js';
import { peekClaims, signToken, signingKey, verifyToken } from './tokens.js';
import type { TokenClaims, TokenType } from './tokens.js';

export interface EmailFlowDeps {
  db: Database;
  records: RecordService;
  mail: () => MailPort | undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type FlowToken = 'verification' | 'passwordReset' | 'emailChange';
const TOKEN_CONFIG: Record<FlowToken, 'verificationToken' | 'passwordResetToken' | 'emailChangeToken'> = {
  verification: 'verificationToken',
  passwordReset: 'passwordResetToken',
  emailChange: 'emailChangeToken',
};

function tokenConfig(collection: Collection, type: FlowToken): TokenConfig {
  const config = collection[TOKEN_CONFIG[type]];
  if (!config?.secret) throw apiError('internal');
  return config;
}

function flowToken(collection: Collection, record: AuthRecord, type: FlowToken, extra: { newEmail?: string } = {}): string {
  const config = tokenConfig(collection, type);
  return signToken(
    { id: record.id, type, collectionId: collection.id, email: record.email, ...extra },
    signingKey(record.tokenKey, config.secret as string),
    config.duration,
  );
}

const invalidToken = () => validationError({ token: fieldError('validation_invalid_token') }, 'Invalid or expired token.');

/** The record a flow token was made for, after checking signature, expiry, type and email. */
async function tokenRecord(db: Database, collection: Collection, token: unknown, type: FlowToken): Promise<{ record: AuthRecord; claims: TokenClaims }> {
  if (typeof token !== 'string' || token === '' || token.length > 4096) throw invalidToken();
  const peeked = peekClaims(token);
  if (!peeked || peeked.type !== type || peeked.collectionId !== collection.id) throw invalidToken();
  const record = await findAuthRecord(db, collection, 'id', peeked.id);
  if (!record) throw invalidToken();
  const claims = await verifyToken(token, signingKey(record.tokenKey, tokenConfig(collection, type).secret as string), type as TokenType);
  if (!claims || (claims.email ?? '').toLowerCase() !== String(record.email).toLowerCase()) throw invalidToken();
  return { record, claims };
}


/** A trimmed, syntactically valid email from a request body, or the 400 naming `field`. */
export function emailInput(value: unknown, field = 'email'): string {
  const email = typeof value === 'string' ? value.trim() : '';
  if (email === '') throw validationError({ [field]: fieldError('validation_required') });
  if (email.length > 255 || !EMAIL.test(email)) throw validationError({ [field]: fieldError('validation_is_email') });
  return email;
}

async function mailTo(deps: EmailFlowDeps, to: string, template: EmailTemplate | undefined, params: Record<string, string>, flow: MailFlow): Promise<void> {
  if (!template) return;
  await sendTemplate(deps.mail(), to, template, params, flow);
}

/** Mails a verification link to `address` if an unverified record has it (the address is validated). */
export async function requestVerification(deps: EmailFlowDeps, collection: Collection, address: string): Promise<void> {
  const record = await findAuthRecord(deps.db, collection, 'email', address);
  if (!record || record.verified) return;
  const token = flowToken(collection, record, 'verification');
  await mailTo(deps, record.email, collection.verificationTemplate, { TOKEN: token, 'RECORD:id': record.id, 'RECORD:email': record.email },
    mailFlow('verification', collection, record, { token }));
}

export async function confirmVerification(deps: EmailFlowDeps, collection: Collection, token: unknown): Promise<void> {
  const { record } = await tokenRecord(deps.db, collection, token, 'verification');
  if (record.verified) return;
  await deps.records.update(collection.id, record.id, { verified: true }, {}, SYSTEM_CONTEXT);
}

/** Mails a password reset link to `address` if a record has it (the address is validated). */
export async function requestPasswordReset(deps: EmailFlowDeps, collection: Collection, address: string): Promise<void> {
  const record = await findAuthRecord(deps.db, collection, 'email', address);
  if (!record) return;
  const token = flowToken(collection, record, 'passwordReset');
  await mailTo(deps, record.email, collection.resetPasswordTemplate, { TOKEN: token, 'RECORD:id': record.id, 'RECORD:email': record.email },
    mailFlow('passwordReset', collection, record, { token }));
}

export async function confirmPasswordReset(
  deps: EmailFlowDeps,
  collection: Collection,
  body: { token: unknown; password: unknown; passwordConfirm: unknown },
): Promise<void> {
  const { record } = await tokenRecord(deps.db, collection, body.token, 'passwordReset');
  if (typeof body.password !== 'string' || body.password === '') throw validationError({ password: fieldError('validation_required') });
  if (body.passwordConfirm !== body.password) throw validationError({ passwordConfirm: fieldError('validation_values_mismatch') });
  // The reset link reached the mailbox, which proves the address as well (PocketBase does the same).
  await deps.records.update(
    collection.id,
    record.id,
    { password: body.password, passwordConfirm: body.passwordConfirm, ...(record.verified ? {} : { verified: true }) },
    {},
    SYSTEM_CONTEXT,
  );
}

export async function requestEmailChange(deps: EmailFlowDeps, collection: Collection, auth: AuthState | null, newEmail: unknown): Promise<void> {
  if (!auth) throw apiError('unauthorized', 'The request requires valid record authorization token.');
  if (auth.collection.id !== collection.id) throw apiError('forbidden', 'The authorized record is not allowed to perform this action.');
  const address = emailInput(newEmail, 'newEmail');
  const taken = await findAuthRecord(deps.db, collection, 'email', address);
  if (taken) throw validationError({ newEmail: fieldError('validation_not_unique') });
  const token = flowToken(collection, auth.record, 'emailChange', { newEmail: address });
  await mailTo(deps, address, collection.confirmEmailChangeTemplate, { TOKEN: token, 'RECORD:id': auth.record.id, 'RECORD:email': auth.record.email },
    mailFlow('emailChange', collection, auth.record, { token, newEmail: address }));
}

export async function confirmEmailChange(deps: EmailFlowDeps, collection: Collection, body: { token: unknown; password: unknown }): Promise<void> {
  const { record, claims } = await tokenRecord(deps.db, collection, body.token, 'emailChange');
  const newEmail = typeof claims.newEmail === 'string' ? claims.newEmail : '';
  if (newEmail === '') throw invalidToken();
  const password = typeof body.password === 'string' ? body.password : '';
  if (password === '' || password.length > 1024 || !(await verifyPassword(record.password, password))) {
    throw validationError({ password: fieldError('validation_invalid_password') });
  }
  const taken = await findAuthRecord(deps.db, collection, 'email', newEmail);
  if (taken && taken.id !== record.id) throw validationError({ newEmail: fieldError('validation_not_unique') });
  await deps.records.update(collection.id, record.id, { email: newEmail, verified: true }, {}, SYSTEM_CONTEXT);
}
