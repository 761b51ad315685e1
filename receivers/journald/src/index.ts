export { type Config, configSchema, journalctlArgs } from './config.ts';
export { factory } from './factory.ts';
