/**
 * PocketBase's thumbnail sizes: `WxH` (crop to the box from the centre), `WxHt` (from the top),
 * `WxHb` (from the bottom), `WxHf` (fit inside the box, no crop), `0xH` / `Wx0` (one side, keep the
 * ratio). `0x0` in any form is not a size.
 */
export type ThumbMode = 'center' | 'top' | 'bottom' | 'fit';

export interface ThumbSize {
  width: number;
  height: number;
  mode: ThumbMode;
}

/** The size every image file field offers besides its own `thumbs` list. */
export const DEFAULT_THUMB = '100x100';

/** Larger sides are refused (the original is served): a thumbnail is not a way to upscale. */
export const MAX_THUMB_SIDE = 4096;

const PATTERN = /^(\d{1,5})x(\d{1,5})([tbf])?$/;
const MODES: Record<string, ThumbMode> = { t: 'top', b: 'bottom', f: 'fit' };

export function parseThumbSize(value: string): ThumbSize | undefined {
  const m = PATTERN.exec(value);
  if (!m) return undefined;
  const width = Number(m[1]);
  const height = Number(m[2]);
  if ((width === 0 && height === 0) || width > MAX_THUMB_SIDE || height > MAX_THUMB_SIDE) return undefined;
  // 0xH and Wx0 resize one side; a mode letter on them means nothing, as in PocketBase
  return { width, height, mode: m[3] ? (MODES[m[3]] ?? 'center') : 'center' };
}

/** The file names PocketBase makes thumbnails of (by extension). */
export function isThumbableName(name: string): boolean {
  return /\.(png|jpe?g|gif|webp)$/i.test(name);
}
