export { factory } from './factory.ts';
export { configSchema, type ClickHouseConfig } from './config.ts';
export { L7_SCOPE_NAME } from './encode/l7.ts';
export { runQuery, findClickHouseExporter, QUERY_FORMATS, type QueryFormat, type QueryRequest, type QueryOptions } from './query.ts';
