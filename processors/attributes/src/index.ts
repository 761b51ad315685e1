export { factory } from './factory.ts';
export { AttributesProcessor } from './attributes.ts';
export { attributesConfigSchema, type AttributesConfig } from './config.ts';
