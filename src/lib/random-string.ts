/**
 * Random strings from a given alphabet without modulo bias (rejection sampling over crypto bytes):
 * record ids, token keys, log ids.
 *
 * Bytes come from a pooled buffer refilled 4 KiB at a time: every record create and every request
 * log asks for an id, and a `randomBytes` call per id costs a native round trip each time (the same
 * reason Node caches entropy for `randomUUID`). The bytes are the same CSPRNG output, each used once.
 */
import { randomFillSync } from 'node:crypto';

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const pool = Buffer.alloc(4096);
let used = pool.length;

function nextByte(): number {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  return pool[used++] as number;
}

/** A uniform integer in `[0, n)` for `1 <= n <= 65536`, from the same pooled bytes. */
export function randomBelow(n: number): number {
  const limit = 65536 - (65536 % n);
  for (;;) {
    const v = (nextByte() << 8) | nextByte();
    if (v < limit) return v % n;
  }
}

export function randomString(length: number, alphabet: string = ALNUM): string {
  const size = alphabet.length;
  // The largest multiple of the alphabet size below 256: bytes above it would favour the first letters.
  const limit = 256 - (256 % size);
  let out = '';
  while (out.length < length) {
    const byte = nextByte();
    if (byte < limit) out += alphabet[byte % size];
  }
  return out;
}

/** PocketBase's default record id: 15 chars of `[a-z0-9]`. */
export function randomRecordId(): string {
  return randomString(15, LOWER_ALNUM);
}
