export { CorruptInput, OutputTooLarge } from './errors.ts';
export { Lz4Scratch, lz4Frame } from './lz4-encode.ts';
export { lz4FrameDecompress } from './lz4-decode.ts';
export { xxh32 } from './xxhash.ts';
export { lz4FrameCompress, nativeLz4, nativeZstd } from './native.ts';
