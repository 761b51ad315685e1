export { factory } from './factory.ts';
export { ResourceProcessor } from './resource.ts';
export { resourceConfigSchema, type ResourceConfig } from './config.ts';
