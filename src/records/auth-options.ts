import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { AuthOptions, EmailTemplate } from '../core/schema.js';

/**
 * Auth collection options with PocketBase's defaults (`core/collection_model_auth_options.go`),
 * and the per-token-type secrets: 50 random characters each, made when the collection is created
 * and kept across updates unless a new one is sent. JWTs are signed with
 * `record.tokenKey + collection.<type>.secret`, so changing a secret revokes those tokens.
 */

export const TOKEN_TYPES = ['authToken', 'passwordResetToken', 'emailChangeToken', 'verificationToken', 'fileToken'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomSecret(length = 50): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

const APP = '{APP_NAME}';
const URL = '{APP_URL}';
const TOKEN = '{TOKEN}';
const signature = `<p>\n  Thanks,<br/>\n  ${APP} team\n</p>`;
const button = (path: string, label: string): string =>
  `<p>\n  <a class="btn" href="${URL}/_/#/auth/${path}/${TOKEN}" target="_blank" rel="noopener">${label}</a>\n</p>`;

export const defaultTemplates: Readonly<Record<'verification' | 'resetPassword' | 'confirmEmailChange' | 'otp' | 'authAlert', EmailTemplate>> = {
  verification: {
    subject: `Verify your ${APP} email`,
    body: `<p>Hello,</p>\n<p>Thank you for joining us at ${APP}.</p>\n<p>Click on the button below to verify your email address.</p>\n${button('confirm-verification', 'Verify')}\n${signature}`,
  },
  resetPassword: {
    subject: `Reset your ${APP} password`,
    body: `<p>Hello,</p>\n<p>Click on the button below to reset your password.</p>\n${button('confirm-password-reset', 'Reset password')}\n<p><i>If you didn't ask to reset your password, you can ignore this email.</i></p>\n${signature}`,
  },
  confirmEmailChange: {
    subject: `Confirm your ${APP} new email address`,
    body: `<p>Hello,</p>\n<p>Click on the button below to confirm your new email address.</p>\n${button('confirm-email-change', 'Confirm new email')}\n<p><i>If you didn't ask to change your email address, you can ignore this email.</i></p>\n${signature}`,
  },
  otp: {
    subject: `OTP for ${APP}`,
    body: `<p>Hello,</p>\n<p>Your one-time password is: <strong>{OTP}</strong></p>\n<p><i>If you didn't ask for the one-time password, you can ignore this email.</i></p>\n${signature}`,
  },
  authAlert: {
    subject: 'Login from a new location',
    body: `<p>Hello,</p>\n<p>We noticed a login to your ${APP} account from a new location:</p>\n<p><em>{ALERT_INFO}</em></p>\n<p><strong>If this wasn't you, you should immediately change your ${APP} account password to revoke access from all other locations.</strong></p>\n<p>If this was you, you may disregard this email.</p>\n${signature}`,
  },
};

/** Token lifetimes in seconds, PocketBase's defaults for a new auth collection. */
export const defaultTokenDurations: Readonly<Record<TokenType, number>> = {
  authToken: 604800,
  passwordResetToken: 1800,
  emailChangeToken: 1800,
  verificationToken: 259200,
  fileToken: 180,
};

export function defaultAuthOptions(): AuthOptions {
  const token = (type: TokenType) => ({ duration: defaultTokenDurations[type], secret: randomSecret() });
  return {
    authRule: '',
    manageRule: null,
    authAlert: { enabled: true, emailTemplate: { ...defaultTemplates.authAlert } },
    oauth2: { enabled: false, mappedFields: { id: '', name: '', username: '', avatarURL: '' }, providers: [] },
    passwordAuth: { enabled: true, identityFields: ['email'] },
    mfa: { enabled: false, duration: 1800, rule: '' },
    otp: { enabled: false, duration: 180, length: 8, emailTemplate: { ...defaultTemplates.otp } },
    authToken: token('authToken'),
    passwordResetToken: token('passwordResetToken'),
    emailChangeToken: token('emailChangeToken'),
    verificationToken: token('verificationToken'),
    fileToken: token('fileToken'),
    verificationTemplate: { ...defaultTemplates.verification },
    resetPasswordTemplate: { ...defaultTemplates.resetPassword },
    confirmEmailChangeTemplate: { ...defaultTemplates.confirmEmailChange },
  };
}

const template = z.object({ subject: z.string().min(1), body: z.string().min(1) });
const tokenConfig = z.object({
  duration: z.number().int().min(10).max(94670856),
  secret: z.string().min(30).max(255),
});
const provider = z.looseObject({
  name: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().default(''),
  authURL: z.string().default(''),
  tokenURL: z.string().default(''),
  userInfoURL: z.string().default(''),
  displayName: z.string().default(''),
  pkce: z.boolean().nullable().default(null),
  extra: z.record(z.string(), z.unknown()).nullable().default(null),
});

/**
 * The shape auth options must have after defaults and input are merged. Validated as a whole
 * so error paths are the option paths (`authToken.duration`).
 */
export const authOptionsSchema = z.object({
  authRule: z.string().nullable(),
  manageRule: z.string().nullable(),
  authAlert: z.object({ enabled: z.boolean(), emailTemplate: template }),
  oauth2: z.object({
    enabled: z.boolean(),
    mappedFields: z.object({ id: z.string(), name: z.string(), username: z.string(), avatarURL: z.string() }),
    providers: z.array(provider).nullable().transform((v) => v ?? []),
  }),
  passwordAuth: z.object({ enabled: z.boolean(), identityFields: z.array(z.string()) }),
  mfa: z.object({ enabled: z.boolean(), duration: z.number().int().min(0).max(86400), rule: z.string() }),
  otp: z.object({
    enabled: z.boolean(),
    duration: z.number().int().min(0).max(86400),
    length: z.number().int().min(0).max(255),
    emailTemplate: template,
  }),
  authToken: tokenConfig,
  passwordResetToken: tokenConfig,
  emailChangeToken: tokenConfig,
  verificationToken: tokenConfig,
  fileToken: tokenConfig,
  verificationTemplate: template,
  resetPasswordTemplate: template,
  confirmEmailChangeTemplate: template,
});

export const AUTH_OPTION_KEYS = Object.keys(authOptionsSchema.shape) as ReadonlyArray<keyof AuthOptions>;
