// Snappy block compression, as remote write requires. The native binding (the `snappy`
// package, prebuilt by napi-rs) is several times faster; the pure-JS `snappyjs` stands in
// where no prebuilt binary fits the platform.
import { createRequire } from 'node:module';

export interface SnappyCodec {
  name: 'snappy' | 'snappyjs';
  compress(block: Uint8Array): Uint8Array;
  uncompress(block: Uint8Array): Uint8Array;
}

const require = createRequire(import.meta.url);

function pureJs(): SnappyCodec {
  const js = require('snappyjs') as { compress(b: Uint8Array): Uint8Array; uncompress(b: Uint8Array): Uint8Array };
  return { name: 'snappyjs', compress: (b) => js.compress(b), uncompress: (b) => js.uncompress(b) };
}

function native(): SnappyCodec | undefined {
  try {
    const napi = require('snappy') as {
      compressSync(b: Uint8Array): Buffer;
      uncompressSync(b: Uint8Array, options: { asBuffer: true }): Buffer;
    };
    return {
      name: 'snappy',
      compress: (b) => napi.compressSync(b),
      uncompress: (b) => napi.uncompressSync(b, { asBuffer: true }),
    };
  } catch {
    return undefined;
  }
}

let chosen: SnappyCodec | undefined;

/** The fastest codec that loads here. */
export function snappyCodec(): SnappyCodec {
  chosen ??= native() ?? pureJs();
  return chosen;
}

export const pureJsSnappy = pureJs;
