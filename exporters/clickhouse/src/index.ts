export { factory } from './factory.ts';
export { configSchema, type ClickHouseConfig } from './config.ts';
