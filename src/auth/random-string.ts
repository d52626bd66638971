/**
 * Random strings from a given alphabet without modulo bias (rejection sampling over crypto bytes):
 * record ids, token keys, request ids.
 */
import { randomBytes } from 'node:crypto';

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomString(length: number, alphabet: string = ALNUM): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= limit) continue;
      out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** PocketBase's default record id: 15 chars of `[a-z0-9]`. */
export function randomRecordId(): string {
  return randomString(15, LOWER_ALNUM);
}
