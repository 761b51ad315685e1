// Bounded zstd decompression. The native decoder (@mongodb-js/zstd) inflates a body whole, and a
// few KB of zstd can stand for gigabytes: it is used only when the body is one frame that
// declares its content size within the limit (libzstd refuses to decode past a declared size).
// Any other body (no declared size, several frames, skippable frames) goes through fzstd's
// streaming decoder, pure JS and ~6x slower, which stops as soon as the output passes the limit.
import { Decompress } from 'fzstd';
import { CorruptInput, OutputTooLarge } from '@flowtel/compression';

const MAGIC = 0xfd2fb528;
const DICT_ID_BYTES = [0, 1, 2, 4];

/** The content size a single-frame body declares, or undefined when it is not one such frame. */
export function zstdDeclaredSize(body: Uint8Array): number | undefined {
  if (body.length < 6) return undefined;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (view.getUint32(0, true) !== MAGIC) return undefined;
  const fhd = body[4];
  const singleSegment = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  let p = 5 + (singleSegment ? 0 : 1) + DICT_ID_BYTES[fhd & 3];
  const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
  if (fcsBytes === 0 || p + fcsBytes > body.length) return undefined;
  let size: number;
  if (fcsBytes === 1) size = body[p];
  else if (fcsBytes === 2) size = view.getUint16(p, true) + 256;
  else if (fcsBytes === 4) size = view.getUint32(p, true);
  else size = view.getUint32(p, true) + view.getUint32(p + 4, true) * 2 ** 32;
  p += fcsBytes;
  // walk the blocks to the frame's end: the body must hold nothing after it
  for (;;) {
    if (p + 3 > body.length) return undefined;
    const header = body[p] | (body[p + 1] << 8) | (body[p + 2] << 16);
    const type = (header >> 1) & 3;
    p += 3 + (type === 1 ? 1 : header >>> 3);
    if (header & 1) break;
  }
  if ((fhd >> 2) & 1) p += 4;
  return p === body.length ? size : undefined;
}

/** Streams `body` through fzstd, failing as soon as the output passes `maxBytes`. */
export function zstdStreamDecompress(body: Uint8Array, maxBytes: number): Buffer {
  const parts: Uint8Array[] = [];
  let total = 0;
  const stream = new Decompress((chunk) => {
    total += chunk.length;
    if (total > maxBytes) throw new OutputTooLarge();
    parts.push(chunk);
  });
  try {
    stream.push(body, true);
  } catch (err) {
    if (err instanceof OutputTooLarge) throw err;
    throw new CorruptInput((err as Error).message);
  }
  return Buffer.concat(parts, total);
}
