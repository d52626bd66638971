/**
 * The fingerprint that tells "the same request again" from "another request reusing the key":
 * method + path (with query) + a hash of the body. Parsed bodies are hashed in a canonical form
 * (object keys sorted) so a client that re-serialises the same JSON with another key order is
 * still recognised as a retry.
 */
import { createHash } from 'node:crypto';

export function requestFingerprint(method: string, url: string, body: unknown): string {
  const hash = createHash('sha256');
  hash.update(method.toUpperCase());
  hash.update('\n');
  hash.update(url);
  hash.update('\n');
  hashBody(hash, body);
  return hash.digest('hex');
}

type Hash = ReturnType<typeof createHash>;

function hashBody(hash: Hash, body: unknown): void {
  if (body === undefined || body === null) {
    hash.update('empty');
  } else if (typeof body === 'string') {
    hash.update('text:');
    hash.update(body);
  } else if (body instanceof Uint8Array) {
    hash.update('bytes:');
    hash.update(body);
  } else {
    hash.update('json:');
    hash.update(canonicalJson(body));
  }
}

/** JSON with object keys sorted at every level; binary values hashed so files count too. */
export function canonicalJson(value: unknown): string {
  if (value instanceof Uint8Array) {
    return JSON.stringify(`sha256:${createHash('sha256').update(value).digest('hex')}`);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      return canonicalJson((value as { toJSON: () => unknown }).toJSON());
    }
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
