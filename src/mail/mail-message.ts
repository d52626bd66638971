/**
 * What `app.mail.send()` accepts, and its validation. A message is checked once, when it is sent,
 * and stored as the `mail.send` job's payload in a normalised shape (every address list an array
 * of `{address, name?}`), so the worker that delivers it later never meets a bad message.
 *
 * Checks are about what would break delivery or the SMTP protocol: a missing recipient, an
 * address that is not one, a line break in a header (header injection), no body. The errors are
 * PocketBase's 400 with per-field codes.
 */
import { fieldError, validationError } from '../core/errors.js';
import type { ErrorData } from '../core/errors.js';

export interface MailAddress {
  address: string;
  name?: string;
}

export interface MailAttachment {
  filename: string;
  /** Base64. */
  content: string;
  contentType?: string;
}

export type AddressInput = string | Array<string | MailAddress>;

export interface MailMessage {
  to: AddressInput;
  subject: string;
  html?: string;
  text?: string;
  cc?: AddressInput;
  bcc?: AddressInput;
  replyTo?: string;
  /** Default: the settings' `meta.senderName` / `meta.senderAddress`. */
  from?: MailAddress;
  headers?: Record<string, string>;
  attachments?: MailAttachment[];
}

/** A validated message, as stored in a `mail.send` job. */
export interface NormalizedMailMessage {
  to: MailAddress[];
  cc?: MailAddress[];
  bcc?: MailAddress[];
  replyTo?: string;
  from?: MailAddress;
  subject: string;
  html?: string;
  text?: string;
  headers?: Record<string, string>;
  attachments?: MailAttachment[];
}

/** Recipients per message (to + cc + bcc); more is a mailing list, not a message. */
export const MAX_RECIPIENTS = 100;
/** Attachments' decoded size, in total (most SMTP servers refuse far less than this). */
export const MAX_ATTACHMENTS_BYTES = 20 * 1024 * 1024;

// The practical address shape (one @, no spaces, a dot in the domain); the SMTP server has the
// last word. Quoted local parts are not supported.
const EMAIL = /^[^\s@"<>(),;:\\[\]]+@[^\s@"<>(),;:\\[\]]+\.[^\s@"<>(),;:\\[\]]+$/;

export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

const LINE_BREAK = /[\r\n]/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
// Headers nodemailer builds itself: setting them through `headers` would contradict the message.
const RESERVED_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'subject', 'reply-to', 'content-type', 'content-transfer-encoding', 'mime-version']);

/**
 * Checks `input` and returns the normalised message; throws a 400 `validation_failed` whose `data`
 * names every bad field (`to`, `to.1`, `subject`, ...).
 */
export function validateMailMessage(input: unknown): NormalizedMailMessage {
  const errors: ErrorData = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw validationError({ message: fieldError('validation_invalid_value') }, 'Invalid mail message.');
  }
  const m = input as Record<string, unknown>;
  const out: NormalizedMailMessage = { to: [], subject: '' };

  const to = addressList(m.to, 'to', errors, true);
  if (to) out.to = to;
  for (const key of ['cc', 'bcc'] as const) {
    const list = addressList(m[key], key, errors, false);
    if (list && list.length > 0) out[key] = list;
  }
  if (out.to.length + (out.cc?.length ?? 0) + (out.bcc?.length ?? 0) > MAX_RECIPIENTS) {
    errors.to ??= fieldError('validation_invalid_value', undefined, `At most ${MAX_RECIPIENTS} recipients per message.`);
  }

  if (typeof m.subject !== 'string' || m.subject.trim() === '') errors.subject = fieldError('validation_required');
  else if (LINE_BREAK.test(m.subject)) errors.subject = fieldError('validation_invalid_value', undefined, 'Must be a single line.');
  else if (m.subject.length > 998) errors.subject = fieldError('validation_max_text_constraint', { max: 998 });
  else out.subject = m.subject;

  for (const key of ['html', 'text'] as const) {
    const v = m[key];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') errors[key] = fieldError('validation_invalid_type');
    else out[key] = v;
  }
  if (out.html === undefined && out.text === undefined && errors.html === undefined && errors.text === undefined) {
    errors.text = fieldError('validation_required', undefined, 'A message needs an html or a text body.');
  }

  if (m.replyTo !== undefined && m.replyTo !== null && m.replyTo !== '') {
    if (typeof m.replyTo !== 'string' || !isEmailAddress(m.replyTo.trim())) errors.replyTo = fieldError('validation_is_email');
    else out.replyTo = m.replyTo.trim();
  }

  if (m.from !== undefined && m.from !== null) {
    const from = oneAddress(m.from);
    if (typeof from === 'string') errors.from = fieldError('validation_is_email', undefined, from);
    else out.from = from;
  }

  if (m.headers !== undefined && m.headers !== null) {
    const headers = validHeaders(m.headers, errors);
    if (headers) out.headers = headers;
  }

  if (m.attachments !== undefined && m.attachments !== null) {
    const attachments = validAttachments(m.attachments, errors);
    if (attachments && attachments.length > 0) out.attachments = attachments;
  }

  if (Object.keys(errors).length > 0) throw validationError(errors, 'Invalid mail message.');
  return out;
}

function addressList(value: unknown, key: string, errors: ErrorData, required: boolean): MailAddress[] | undefined {
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) {
    if (required) errors[key] = fieldError('validation_required');
    return [];
  }
  const items = Array.isArray(value) ? value : [value];
  if (items.length > MAX_RECIPIENTS) {
    errors[key] = fieldError('validation_invalid_value', undefined, `At most ${MAX_RECIPIENTS} recipients per message.`);
    return undefined;
  }
  const out: MailAddress[] = [];
  const itemErrors: ErrorData = {};
  items.forEach((item, i) => {
    const a = oneAddress(item);
    if (typeof a === 'string') itemErrors[String(i)] = fieldError('validation_is_email', undefined, a);
    else out.push(a);
  });
  if (Object.keys(itemErrors).length > 0) {
    errors[key] = Array.isArray(value) ? itemErrors : itemErrors['0'];
    return undefined;
  }
  return out;
}

/** The address, or the reason it is not one. */
function oneAddress(value: unknown): MailAddress | string {
  let address: unknown = value;
  let name: unknown;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    address = (value as Record<string, unknown>).address;
    name = (value as Record<string, unknown>).name;
  }
  if (typeof address !== 'string' || !isEmailAddress(address.trim())) return 'Must be a valid email address.';
  if (name !== undefined && name !== null && name !== '') {
    if (typeof name !== 'string' || LINE_BREAK.test(name) || name.length > 255) return 'The name must be a single line of at most 255 characters.';
    return { address: address.trim(), name };
  }
  return { address: address.trim() };
}

function validHeaders(value: unknown, errors: ErrorData): Record<string, string> | undefined {
  if (typeof value !== 'object' || Array.isArray(value) || value === null) {
    errors.headers = fieldError('validation_invalid_type');
    return undefined;
  }
  const out: Record<string, string> = {};
  const bad: ErrorData = {};
  for (const [name, v] of Object.entries(value)) {
    if (!HEADER_NAME.test(name) || RESERVED_HEADERS.has(name.toLowerCase())) bad[name] = fieldError('validation_invalid_value', undefined, 'Not an allowed header name.');
    else if (typeof v !== 'string' || LINE_BREAK.test(v) || v.length > 998) bad[name] = fieldError('validation_invalid_value', undefined, 'Must be a single line.');
    else out[name] = v;
  }
  if (Object.keys(bad).length > 0) {
    errors.headers = bad;
    return undefined;
  }
  return out;
}

function validAttachments(value: unknown, errors: ErrorData): MailAttachment[] | undefined {
  if (!Array.isArray(value)) {
    errors.attachments = fieldError('validation_invalid_type');
    return undefined;
  }
  const out: MailAttachment[] = [];
  const bad: ErrorData = {};
  let bytes = 0;
  value.forEach((a: unknown, i) => {
    const o = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
    const { filename, content, contentType } = o;
    if (typeof filename !== 'string' || filename === '' || LINE_BREAK.test(filename) || filename.length > 255) {
      bad[String(i)] = { filename: fieldError('validation_invalid_value') };
    } else if (typeof content !== 'string' || !/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(content)) {
      bad[String(i)] = { content: fieldError('validation_invalid_value', undefined, 'Must be base64.') };
    } else if (contentType !== undefined && (typeof contentType !== 'string' || !/^[\w.+-]+\/[\w.+-]+$/.test(contentType))) {
      bad[String(i)] = { contentType: fieldError('validation_invalid_value') };
    } else {
      bytes += Math.floor((content.replace(/\s/g, '').length * 3) / 4);
      out.push(contentType === undefined ? { filename, content } : { filename, content, contentType });
    }
  });
  if (bytes > MAX_ATTACHMENTS_BYTES) bad.size = fieldError('validation_invalid_value', undefined, `Attachments may total at most ${MAX_ATTACHMENTS_BYTES} bytes.`);
  if (Object.keys(bad).length > 0) {
    errors.attachments = bad;
    return undefined;
  }
  return out;
}
