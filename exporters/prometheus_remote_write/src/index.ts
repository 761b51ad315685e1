export { factory } from './factory.ts';
export type { Config } from './config.ts';
export { configSchema } from './config.ts';
export { WriteRequestEncoder } from './write-request.ts';
export { snappyCodec } from './compress.ts';
