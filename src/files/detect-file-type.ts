/**
 * The type of an upload from its first bytes (magic numbers, via `file-type`), never from the name
 * or the client's Content-Type: a field's `mimeTypes` list is checked against this. Formats without
 * magic numbers are told apart by a small text sniff: SVG, HTML and XML (file-type's `application/xml` is refined to SVG here) (so a list can allow or refuse
 * them) and UTF-8 text; anything else is `application/octet-stream`, as PocketBase's detector answers.
 */

/** How many leading bytes detection reads (what `file-type` needs for every format it knows). */
export const DETECT_BYTES = 4100;

export interface DetectedType {
  mime: string;
  /** Extension without the dot, '' when unknown. */
  ext: string;
}

const OCTET_STREAM: DetectedType = { mime: 'application/octet-stream', ext: '' };

export async function detectFileType(head: Uint8Array): Promise<DetectedType> {
  if (head.length === 0) return { mime: 'text/plain', ext: 'txt' };
  const { fileTypeFromBuffer } = await import('file-type');
  let found: { mime: string; ext: string } | undefined;
  try {
    found = await fileTypeFromBuffer(head);
  } catch {
    found = undefined; // a truncated or malformed header is simply "not that format"
  }
  // file-type calls every XML document application/xml; SVG (script-capable) must be named as such.
  if (found?.mime === 'application/xml') return sniffText(head) ?? { mime: found.mime, ext: found.ext };
  if (found) return { mime: found.mime, ext: found.ext };
  return sniffText(head) ?? OCTET_STREAM;
}

function sniffText(head: Uint8Array): DetectedType | undefined {
  if (head.includes(0)) return undefined;
  let text: string;
  try {
    // Strict decoding; a multi-byte character cut at the end of the sample is tolerated below.
    text = new TextDecoder('utf-8', { fatal: true }).decode(trimPartialUtf8(head));
  } catch {
    return undefined;
  }
  const start = text.replace(/^\uFEFF/, '').trimStart().slice(0, 1024).toLowerCase();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg[\s>]/.test(start)) return { mime: 'image/svg+xml', ext: 'svg' };
  if (/^(<!--[\s\S]*?-->\s*)*(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>]|<script[\s>])/.test(start)) return { mime: 'text/html', ext: 'html' };
  if (start.startsWith('<?xml')) return { mime: 'application/xml', ext: 'xml' };
  return { mime: 'text/plain', ext: 'txt' };
}

/** Drops an incomplete UTF-8 sequence at the very end of a sample. */
function trimPartialUtf8(bytes: Uint8Array): Uint8Array {
  let i = bytes.length - 1;
  let continuation = 0;
  while (i >= 0 && continuation < 3 && ((bytes[i] as number) & 0xc0) === 0x80) {
    i--;
    continuation++;
  }
  if (i < 0) return bytes;
  const lead = bytes[i] as number;
  const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
  return need > continuation ? bytes.subarray(0, i) : bytes;
}

/**
 * Whether `detected` satisfies one entry of a field's `mimeTypes` list. Entries may name a family
 * (`image/*`); parameters (`; charset=`) are ignored.
 */
export function mimeTypeAllowed(detected: string, allowed: readonly string[]): boolean {
  const type = detected.toLowerCase();
  for (const raw of allowed) {
    const entry = raw.split(';')[0]?.trim().toLowerCase() ?? '';
    if (entry === '') continue;
    if (entry === type) return true;
    if (entry.endsWith('/*') && type.startsWith(entry.slice(0, -1))) return true;
  }
  return false;
}
