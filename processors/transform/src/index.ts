export { factory } from './factory.ts';
export { type TransformConfig, transformConfigSchema } from './config.ts';
