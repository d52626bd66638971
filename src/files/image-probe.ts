/**
 * Image checks with `sharp` (libvips): the dimensions are read from the header without decoding the
 * pixels, and an image whose pixel count passes the limit is refused before anything decodes it —
 * a 100 KB PNG can claim 100000x100000 pixels (a decompression bomb). sharp is loaded on first use.
 */

/** Images with more pixels than this are refused at upload and never thumbnailed (about 8K x 8K). */
export const MAX_IMAGE_PIXELS = 8192 * 8192;

/** The formats the probe checks; other uploads are not images to Galley (SVG is text). */
const PROBED = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/tiff', 'image/heic', 'image/heif']);

export type ImageProbe =
  | { ok: true; width: number; height: number; format: string }
  | { ok: false; reason: 'too_large' | 'invalid'; width?: number; height?: number };

type SharpFactory = typeof import('sharp');
let loaded: Promise<SharpFactory> | undefined;

/** sharp itself, configured once: no operation cache (memory stays proportional to work in flight). */
export async function loadSharp(): Promise<SharpFactory> {
  loaded ??= import('sharp').then((mod) => {
    const sharp = (mod as unknown as { default: SharpFactory }).default;
    sharp.cache(false);
    return sharp;
  });
  return loaded;
}

export function isProbedImageType(mime: string): boolean {
  return PROBED.has(mime);
}

/** Reads an image's header (a file path or the first bytes of it) and checks its pixel count. */
export async function probeImage(input: string | Buffer, maxPixels = MAX_IMAGE_PIXELS): Promise<ImageProbe> {
  const sharp = await loadSharp();
  try {
    // Header only: nothing is decoded here, so the pixel limit is compared below instead of by libvips.
    const meta = await sharp(input, { limitInputPixels: false, failOn: 'none', animated: false }).metadata();
    const width = meta.width ?? 0;
    const height = meta.height ?? 0;
    if (width <= 0 || height <= 0) return { ok: false, reason: 'invalid' };
    if (width * height > maxPixels) return { ok: false, reason: 'too_large', width, height };
    return { ok: true, width, height, format: meta.format ?? '' };
  } catch {
    return { ok: false, reason: 'invalid' };
  }
}
