export { factory } from './factory.ts';
export { type FilterConfig, filterConfigSchema } from './config.ts';
