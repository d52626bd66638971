/**
 * Bytes for file tests: real images made by sharp, hostile inputs built by hand (an executable
 * named like a PNG, a PNG header that claims 100000x100000 pixels), and a check that a node left no
 * stored object or temporary upload behind.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import type { App } from '../../src/app/app.js';
import { eventually } from '../../src/testing/eventually.js';

export async function pngImage(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toBuffer();
}

/** The start of an ELF executable: what a "photo.png" that is really a program looks like. */
export function elfExecutable(): Buffer {
  const buf = Buffer.alloc(256);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]).copy(buf);
  buf.writeUInt16LE(2, 16); // ET_EXEC
  buf.writeUInt16LE(0x3e, 18); // x86-64
  buf.writeUInt32LE(1, 20);
  return buf;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'ascii'), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A tiny, well-formed PNG header declaring `width` x `height` pixels (a decompression bomb's shape). */
export function hugeDimensionPng(width = 100_000, height = 100_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Every stored key of a collection (files and thumbnails). */
export async function storedKeys(app: App, collectionId: string): Promise<string[]> {
  return app.files.list(`${collectionId}/`);
}

/** Temporary upload files still on disk (they go when their request's response closes). */
export async function leftoverUploads(app: App): Promise<string[]> {
  const dir = join(app.dataDir, '.tmp', 'uploads');
  // Up to 5 s: removal follows the response's close, which a loaded machine can run late.
  for (let i = 0; i < 250; i++) {
    const names = await readdir(dir).catch(() => [] as string[]);
    if (names.length === 0) return [];
    await new Promise((r) => setTimeout(r, 20));
  }
  return readdir(dir).catch(() => [] as string[]);
}

export async function assertNothingStray(app: App, collectionId: string): Promise<void> {
  // A thumbnail job that ran across the delete removes what it wrote when it sees its source gone;
  // until it finishes, its thumbnail is a moment's state, not a leftover.
  await eventually(async () => {
    const busy = await app.jobs.list({ filter: `kind = 'files.thumbnail' && (state = 'queued' || state = 'running' || state = 'failed')`, perPage: 1 });
    return busy.totalItems === 0;
  }, 'thumbnail jobs finished', { timeoutMs: 20_000 });
  assert.deepEqual(await storedKeys(app, collectionId), [], 'no stored object may remain');
  assert.deepEqual(await leftoverUploads(app), [], 'no temporary upload may remain');
}
