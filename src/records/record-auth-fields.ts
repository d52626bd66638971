/**
 * Writes to auth collections: `password` + `passwordConfirm` (argon2id, never stored or shown in
 * clear), `oldPassword` for a self-service change, a fresh `tokenKey` on create and whenever the
 * password or email changes (so old tokens stop verifying), and `email`/`verified` changes kept
 * to managers (superusers or requesters passing `manageRule`).
 */
import { fieldError } from '../core/errors.js';
import type { Collection, PasswordField } from '../core/schema.js';
import { findField } from '../core/schema.js';
import { hashPassword, verifyPassword } from '../auth/password.js';
import { generateFromPattern } from './record-autogenerate.js';
import type { RecordJson } from './record-codec.js';
import type { ErrorTree } from './error-tree.js';

export interface AuthBodyInput {
  collection: Collection;
  body: Record<string, unknown>;
  /** The record after the body was applied (mutated here). */
  record: RecordJson;
  /** The stored record on update. */
  current?: RecordJson;
  isSuperuser: boolean;
  isManager: boolean;
  errors: ErrorTree;
}

const runes = (s: string): number => [...s].length;

function newTokenKey(c: Collection): string {
  const f = findField(c, 'tokenKey');
  const pattern = f?.type === 'text' && f.autogeneratePattern !== '' ? f.autogeneratePattern : '[a-zA-Z0-9]{50}';
  return generateFromPattern(pattern);
}

function passwordError(pwField: PasswordField | undefined, password: string): ReturnType<typeof fieldError> | undefined {
  const min = pwField && pwField.min > 0 ? pwField.min : 8;
  const max = pwField && pwField.max > 0 ? pwField.max : 0;
  const n = runes(password);
  if (n < min) return fieldError('validation_min_text_constraint', { min });
  if (max > 0 && n > max) return fieldError('validation_max_text_constraint', { max });
  if (pwField && pwField.pattern !== '' && !new RegExp(pwField.pattern, 'u').test(password)) return fieldError('validation_invalid_format');
  return undefined;
}

/**
 * The new password of an update when the body alone already shows it is valid (a string within
 * the field's length and pattern, confirmed): the update hashes it before opening its transaction,
 * because argon2id takes tens of milliseconds and on SQLite the transaction holds the one writer.
 * The checks that need the stored record (rule, `oldPassword`, other fields) still run inside and
 * decide whether the hash is used; `applyAuthBody` repeats these checks, so errors are unchanged.
 */
export function prevalidatedPassword(c: Collection, body: Record<string, unknown>): string | undefined {
  if (c.type !== 'auth') return undefined;
  const password = body.password;
  if (typeof password !== 'string' || password === '' || body.passwordConfirm !== password) return undefined;
  return passwordError(findField(c, 'password') as PasswordField | undefined, password) === undefined ? password : undefined;
}

/**
 * Checks the auth parts of a write and returns the plain password to hash (after the rest of the
 * validation passed), or undefined when the password does not change.
 */
export async function applyAuthBody(input: AuthBodyInput): Promise<string | undefined> {
  const { collection: c, body, record, current, errors } = input;
  const isNew = current === undefined;
  const pwField = findField(c, 'password') as PasswordField | undefined;
  // tokenKey is never client-set except by superusers
  if (!input.isSuperuser) record.tokenKey = current?.tokenKey ?? '';

  const password = body.password;
  const wantsPassword = password !== undefined && password !== null && password !== '';
  let plain: string | undefined;
  if (isNew && !wantsPassword) errors.add(['password'], fieldError('validation_required'));
  if (wantsPassword) {
    if (typeof password !== 'string') errors.add(['password'], fieldError('validation_invalid_value'));
    else {
      const error = passwordError(pwField, password);
      if (error !== undefined) errors.add(['password'], error);
      plain = password;
    }
    if (body.passwordConfirm !== password) errors.add(['passwordConfirm'], fieldError(body.passwordConfirm === undefined || body.passwordConfirm === '' ? 'validation_required' : 'validation_values_mismatch'));
    if (!isNew && !input.isManager) {
      const old = body.oldPassword;
      const ok = typeof old === 'string' && old !== '' && await verifyPassword(String(current?.password ?? ''), old);
      if (!ok) errors.add(['oldPassword'], fieldError('validation_invalid_old_password'));
    }
  }

  if (!input.isManager) {
    if (isNew) record.verified = false;
    else {
      record.verified = current?.verified ?? false;
      if (record.email !== current?.email) {
        errors.add(['email'], fieldError('validation_invalid_value', undefined, 'Only superusers and managers can change the email directly.'));
      }
    }
  }

  const emailChanged = !isNew && record.email !== current?.email;
  if (isNew ? record.tokenKey === '' : (plain !== undefined || emailChanged)) record.tokenKey = newTokenKey(c);
  return plain;
}

export { hashPassword };
