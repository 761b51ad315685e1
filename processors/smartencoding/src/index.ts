export { factory } from './factory.ts';
export { configSchema, type SmartEncodingConfig } from './config.ts';
export { TagDictionary, type TagEntry } from './dictionary.ts';
export { decodeAttributes, decodeBatch } from './decode.ts';
export { containerOfCgroup } from './container.ts';
