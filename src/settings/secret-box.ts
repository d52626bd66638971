/**
 * Encryption at rest for the secrets kept in settings (SMTP password, S3 secret): AES-256-GCM with a
 * random 96-bit nonce per value, so equal secrets do not look equal and tampering is detected. The
 * configured key may be any string; it is stretched to 32 bytes with SHA-256 (it is a high-entropy
 * operator secret, not a password, so a slow KDF buys nothing).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: string) {
    this.#key = createHash('sha256').update(key, 'utf8').digest();
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** Throws when the value was encrypted with another key or altered. */
  decrypt(stored: string): string {
    if (!isEncrypted(stored)) return stored;
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

export function isEncrypted(stored: string): boolean {
  return stored.startsWith(PREFIX);
}
