/**
 * The one check every FileStore applies to keys before touching storage. Keys are built by Galley
 * (`<collectionId>/<recordId>/<filename>`), but file names come from uploads, so a key is treated
 * as hostile: it must stay a relative path below the store's root on every backend.
 */
import { apiError } from '../core/errors.js';

const MAX_KEY_LENGTH = 1024;
// Control characters (NUL included) and backslashes, which some platforms and S3 tools read as separators.
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/**
 * `key` in its one canonical spelling: `/`-separated, no empty or `.` segments. Rejects (400)
 * empty keys, absolute paths, `..` segments, control characters and backslashes; `..` is never
 * "resolved", because a key that tries to climb is an attack, not a typo.
 */
export function normalizeFileKey(key: string): string {
  const normalized = normalizePath(key, false);
  if (normalized === '') throw invalidKey();
  return normalized;
}

/**
 * A prefix for `list`/`deletePrefix`, checked like a key. It may be empty (everything) and keeps a
 * trailing `/`, since `a/b` also matches `a/bc` while `a/b/` matches only inside `a/b`.
 */
export function normalizeFilePrefix(prefix: string): string {
  const normalized = normalizePath(prefix, true);
  return normalized !== '' && prefix.endsWith('/') ? `${normalized}/` : normalized;
}

function normalizePath(value: string, allowEmpty: boolean): string {
  if (typeof value !== 'string' || value.length > MAX_KEY_LENGTH || FORBIDDEN.test(value) || value.startsWith('/')) {
    throw invalidKey();
  }
  if (value === '' && allowEmpty) return '';
  const segments: string[] = [];
  for (const segment of value.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') throw invalidKey();
    segments.push(segment);
  }
  return segments.join('/');
}

function invalidKey(): Error {
  return apiError('bad_request', 'Invalid file path.');
}
