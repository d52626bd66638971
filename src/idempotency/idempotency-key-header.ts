/**
 * Reads the `Idempotency-Key` request header. The IETF draft defines it as a Structured Field
 * string (`Idempotency-Key: "8e03978e-40d5"`); many clients (Stripe-style) send the bare value, so
 * both are accepted. The result is the key itself, or `undefined` when the header is absent.
 */
import { apiError } from '../core/errors.js';

export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) {
    if (header.length !== 1) throw invalidKey('Send exactly one Idempotency-Key header.');
    header = header[0] ?? '';
  }
  const raw = header.trim();
  let key: string;
  if (raw.startsWith('"')) {
    const parsed = parseSfString(raw);
    if (parsed === undefined) throw invalidKey('The Idempotency-Key header is not a valid quoted string.');
    key = parsed;
  } else {
    key = raw;
  }
  if (key.length === 0) throw invalidKey('The Idempotency-Key header is empty.');
  if (key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    throw invalidKey(`The Idempotency-Key header is longer than ${IDEMPOTENCY_KEY_MAX_LENGTH} characters.`);
  }
  // Printable ASCII only (RFC 8941 sf-string range): keys end up in logs and the database.
  if (!/^[\x20-\x7e]+$/.test(key)) throw invalidKey('The Idempotency-Key header must be printable ASCII.');
  return key;
}

/** RFC 8941 sf-string: `"` ... `"` with `\"` and `\\` as the only escapes. */
function parseSfString(raw: string): string | undefined {
  let out = '';
  for (let i = 1; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '\\') {
      const next = raw[i + 1];
      if (next !== '"' && next !== '\\') return undefined;
      out += next;
      i++;
    } else if (ch === '"') {
      return i === raw.length - 1 ? out : undefined;
    } else {
      out += ch;
    }
  }
  return undefined;
}

function invalidKey(message: string) {
  return apiError('bad_request', message, {
    'Idempotency-Key': { code: 'validation_invalid_value', message },
  });
}
