/**
 * Record ETags: the record's stored version as a strong entity tag, `"<version>"`. The tag names a
 * stored state, not a byte sequence: `?fields=`/`?expand=` variants of one state share it, which is
 * what `If-Match` (lost-update protection) and `If-None-Match` (revalidation of one URL) need.
 * Clients may echo it weak (`W/"3"`); both forms compare equal.
 */
import { apiError } from '../../core/errors.js';

export function formatEtag(version: number): string {
  return `"${version}"`;
}

/** A parsed `If-Match`/`If-None-Match`: `*`, or the versions listed. */
export type EtagCondition = { any: true } | { any: false; versions: number[] };

const TAG = /^(?:W\/)?"(\d{1,15})"$/;

/** undefined when the header is absent; a 400 when it is not a list of Galley ETags. */
export function parseEtagCondition(header: string | string[] | undefined, name: string): EtagCondition | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join(',') : header;
  if (text.trim() === '*') return { any: true };
  const versions: number[] = [];
  for (const raw of text.split(',')) {
    const match = TAG.exec(raw.trim());
    if (!match) throw apiError('bad_request', `Invalid ${name} header: expected an ETag such as "3".`);
    versions.push(Number(match[1]));
  }
  return { any: false, versions };
}

/**
 * The version an `If-Match` asks the write to check, or undefined for none/`*` (`*` only asks
 * that the record exists, which the write checks anyway). A list of several tags cannot name one
 * version to check inside the transaction, so it is refused.
 */
export function ifMatchVersion(header: string | string[] | undefined): number | undefined {
  const condition = parseEtagCondition(header, 'If-Match');
  if (!condition || condition.any) return undefined;
  if (condition.versions.length !== 1) throw apiError('bad_request', 'Invalid If-Match header: send exactly one ETag.');
  return condition.versions[0];
}

/** Whether an `If-None-Match` matches the current version (then GET answers 304). */
export function ifNoneMatchHits(header: string | string[] | undefined, version: number): boolean {
  const condition = parseEtagCondition(header, 'If-None-Match');
  if (!condition) return false;
  return condition.any || condition.versions.includes(version);
}
