export { factory } from './factory.ts';
export { ZpagesExtension } from './zpages.ts';
export { zpagesConfigSchema, type ZpagesConfig } from './config.ts';
