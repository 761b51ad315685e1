export { storeShape, storeConfigSchema, storeConfigProblem, COMPRESSIONS, type StoreConfig } from './config.ts';
export { ClickHouseStore, isEmbedded, querySocketPath, type StoreOptions } from './store.ts';
export { ClickHouseError, isPermanent, type ClickHouseClient } from './client.ts';
export { EmbeddedClient, CHDB_MISSING, embeddedFolder } from './embedded.ts';
export { HttpClient } from './http.ts';
export { schemaStatements, tableName, type TableRole } from './schema.ts';
export {
  runFlamegraph,
  runQuery,
  connect,
  findClickHouseExporter,
  QUERY_FORMATS,
  SERVICE_MAP_FORMATS,
  FLAMEGRAPH_FORMATS,
  type FlamegraphFormat,
  type QueryFormat,
  type ServiceMapFormat,
  type QueryRequest,
  type QueryOptions,
} from './query.ts';
export { createClickHouseHttpServer } from './server.ts';
export {
  DictionarySync,
  ROW_KINDS,
  addIdColumnStatements,
  idColumnDefinitions,
  idColumnValues,
  l7IdColumnValues,
  requiredVersion,
  resourceIds,
  type StatementRunner,
} from './smartencoding/ddl.ts';
export { DICTIONARY_TABLE, dictionaryObject, idColumn } from './smartencoding/names.ts';
export { translateTagNames } from './smartencoding/translate.ts';
