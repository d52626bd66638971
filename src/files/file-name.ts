/**
 * Stored file names, PocketBase's scheme: `<snake_case base>_<10 random [a-z0-9]>.<ext>`. The client's
 * name is hostile input: only its last path segment is used, it is reduced to ASCII word characters,
 * capped in length, and the random suffix makes every stored name unique and unguessable (PocketBase
 * serves unprotected files to anyone who knows the name).
 */
import { randomString } from '../lib/random-string.js';

const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const MAX_BASE = 100;
const MAX_EXT = 20;

/** A fresh stored name for an upload called `original`; `fallbackExt` (e.g. from the detected type) when it has none. */
export function storedFileName(original: string, fallbackExt = ''): string {
  const last = original.split(/[/\\]/).pop() ?? '';
  const dot = last.lastIndexOf('.');
  const rawExt = dot > 0 ? last.slice(dot + 1) : '';
  let ext = rawExt.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  if (ext === '') ext = fallbackExt.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  if (ext.length > MAX_EXT) ext = ext.slice(-MAX_EXT);
  let base = snakeCase(dot > 0 ? last.slice(0, dot) : last);
  if (base.length < 3) base += randomString(10, SUFFIX_ALPHABET);
  else if (base.length > MAX_BASE) base = base.slice(0, MAX_BASE);
  return `${base}_${randomString(10, SUFFIX_ALPHABET)}${ext === '' ? '' : `.${ext}`}`;
}

/** `My Photo-2024 (1)` -> `my_photo_2024_1`; `camelCase` -> `camel_case`; non-ASCII letters are dropped. */
function snakeCase(value: string): string {
  return value
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

/** A name Galley could have stored: one path segment of safe characters (checked before building keys from URLs). */
export function isSafeFileName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && /^[A-Za-z0-9_][A-Za-z0-9_.\-]*$/.test(name) && !name.includes('..');
}

/** The storage key of a record's file: `<collectionId>/<recordId>/<name>`. */
export function recordFileKey(collectionId: string, recordId: string, name: string): string {
  return `${collectionId}/${recordId}/${name}`;
}

/** The folder holding a record's files and their thumbnails. */
export function recordFilesPrefix(collectionId: string, recordId: string): string {
  return `${collectionId}/${recordId}/`;
}

/** The folder of one file's thumbnails: `<collectionId>/<recordId>/thumbs_<name>/`. */
export function thumbsPrefix(collectionId: string, recordId: string, name: string): string {
  return `${collectionId}/${recordId}/thumbs_${name}/`;
}
