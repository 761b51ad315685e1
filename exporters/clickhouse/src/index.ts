export { factory } from './factory.ts';
export { configSchema, type ClickHouseConfig } from './config.ts';
export { L7_SCOPE_NAME } from './encode/l7.ts';
