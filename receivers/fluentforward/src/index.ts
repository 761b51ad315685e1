export { type Config, configSchema } from './config.ts';
export { factory } from './factory.ts';
