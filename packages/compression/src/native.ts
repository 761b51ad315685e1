// The native codecs beside ours: LZ4 frames through lz4-napi and zstd through @mongodb-js/zstd,
// napi packages with prebuilt binaries whose work runs on libuv's threads, off the event loop.
// Each is loaded when first needed (zstd adds ~3 MB and two threads a collector that never uses
// it should not carry). LZ4 falls back to the JS encoder here when lz4-napi cannot load (a
// platform it ships no binary for): slower, on the calling thread, the same frames.
import { createRequire } from 'node:module';
import { Lz4Scratch, lz4Frame } from './lz4-encode.ts';

type Lz4Native = typeof import('lz4-napi');
type ZstdNative = typeof import('@mongodb-js/zstd');

const require = createRequire(import.meta.url);
let lz4Module: Lz4Native | null | undefined;
let zstdModule: ZstdNative | undefined;

/** lz4-napi, or undefined when it cannot load here. */
export function nativeLz4(): Lz4Native | undefined {
  if (lz4Module === undefined) {
    try {
      lz4Module = require('lz4-napi') as Lz4Native;
    } catch {
      lz4Module = null;
    }
  }
  return lz4Module ?? undefined;
}

/**
 * One LZ4 frame holding `parts` in order: lz4-napi's encoder off the event loop, or the JS one
 * when it cannot load (its result is then a view of `scratch`, valid until the scratch's next use).
 */
export async function lz4FrameCompress(parts: Buffer[], scratch?: Lz4Scratch): Promise<Buffer> {
  const native = nativeLz4();
  if (!native) return lz4Frame(parts, scratch ?? new Lz4Scratch());
  return native.compressFrame(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
}

/**
 * @mongodb-js/zstd's bindings (the package's wrapper of compress drops the level argument).
 * Decompressing inflates a body whole: bound its size before (see the OTLP receiver's zstd).
 */
export function nativeZstd(): ZstdNative {
  return (zstdModule ??= require('@mongodb-js/zstd/bindings.js') as ZstdNative);
}
