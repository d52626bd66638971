/**
 * HTTP caching and partial content for served files: `If-None-Match` / `If-Modified-Since` (304)
 * and single `Range: bytes=` requests (206, or 416 with `Content-Range: bytes *\/size`). Several
 * ranges in one header are answered with the whole file (allowed by RFC 9110, and simpler than
 * multipart/byteranges); `If-Range` with a stale validator also gets the whole file.
 */
export type RangeResult = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: 'full' };
  const m = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header.trim());
  if (!m) return { kind: 'full' }; // several ranges or another unit: ignore the header
  const [, from, to] = m;
  if (from === '' && to === '') return { kind: 'full' };
  let start: number;
  let end: number;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
    if (to !== '' && Number(to) < start) return { kind: 'full' }; // invalid range: ignored per RFC
  }
  if (!Number.isSafeInteger(start) || start >= size || end < start) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}

/** Whether the client's cached copy is current (answer 304). `If-None-Match` wins over dates. */
export function notModified(headers: Record<string, string | string[] | undefined>, etag: string, modified: Date): boolean {
  const inm = headers['if-none-match'];
  if (typeof inm === 'string') {
    if (inm.trim() === '*') return true;
    return inm.split(',').some((tag) => weakStrip(tag.trim()) === weakStrip(etag));
  }
  const ims = headers['if-modified-since'];
  if (typeof ims === 'string') {
    const since = Date.parse(ims);
    return Number.isFinite(since) && Math.floor(modified.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

/** `If-Range`: the range applies only while the validator (an etag or a date) still matches. */
export function rangeStillValid(ifRange: string | undefined, etag: string, modified: Date): boolean {
  if (!ifRange) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === etag;
  const date = Date.parse(value);
  return Number.isFinite(date) && Math.floor(modified.getTime() / 1000) <= Math.floor(date / 1000);
}

function weakStrip(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
