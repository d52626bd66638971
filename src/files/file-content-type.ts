/**
 * The Content-Type a stored file is served with, from its extension (local disk keeps no metadata),
 * and whether a browser may show it inline. Only types that cannot run script in the origin's
 * context are inline (images except SVG, audio, video, PDF, plain text); everything else — HTML,
 * SVG, XML, JavaScript, unknown — is sent as an attachment, so an upload can never become a page
 * of the API's origin. Responses also carry `nosniff`, so a browser never guesses a riskier type.
 */
const TYPES: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
  avif: 'image/avif', bmp: 'image/bmp', ico: 'image/x-icon', tif: 'image/tiff', tiff: 'image/tiff',
  heic: 'image/heic', heif: 'image/heif', svg: 'image/svg+xml',
  mp3: 'audio/mpeg', wav: 'audio/wav', ogg: 'audio/ogg', oga: 'audio/ogg', m4a: 'audio/mp4', flac: 'audio/flac', opus: 'audio/opus',
  mp4: 'video/mp4', m4v: 'video/mp4', webm: 'video/webm', ogv: 'video/ogg', mov: 'video/quicktime',
  pdf: 'application/pdf', txt: 'text/plain; charset=utf-8', csv: 'text/csv; charset=utf-8', md: 'text/markdown; charset=utf-8',
  json: 'application/json', xml: 'application/xml', html: 'text/html; charset=utf-8', htm: 'text/html; charset=utf-8',
  js: 'text/javascript', mjs: 'text/javascript', css: 'text/css',
  zip: 'application/zip', gz: 'application/gzip', tar: 'application/x-tar', '7z': 'application/x-7z-compressed',
  doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint', pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text', woff: 'font/woff', woff2: 'font/woff2', ttf: 'font/ttf', otf: 'font/otf',
};

const INLINE = /^(image\/(png|jpeg|gif|webp|avif|bmp|x-icon|tiff|heic|heif)|audio\/|video\/|application\/pdf$|text\/plain;)/;

export function contentTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot === -1 ? '' : name.slice(dot + 1).toLowerCase();
  return TYPES[ext] ?? 'application/octet-stream';
}

/** Whether a file of this Content-Type may be displayed inline (else it is always an attachment). */
export function isInlineSafe(contentType: string): boolean {
  return INLINE.test(contentType);
}
