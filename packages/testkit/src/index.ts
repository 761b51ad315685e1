export { CONDITION_TIMEOUT_MS, freePort, waitFor, waitForHttp } from './ports.ts';
export {
  FLOWTEL_BIN,
  REPO_ROOT,
  type RunningCollector,
  runCollector,
  spawnCollector,
  startCollector,
} from './collector.ts';
export { otlpToFileConfig, writePersistentQueueConfig } from './configs.ts';
export { DEEPFLOW_CAPTURES, SHARED_TESTDATA } from './testdata.ts';
export { testHost, testSettings } from './settings.ts';
export { waitForOutput, waitForPort } from './wait.ts';
export { makeTestCerts, type TestCerts } from './certs.ts';
export { startTestProxy, type TestProxy } from './proxy.ts';
export { runCli } from './cli.ts';
export {
  hasCommand,
  type MariadbServer,
  type NginxOptions,
  type PostgresServer,
  type RunningServer,
  startDnsmasq,
  mariadbTcpLogin,
  startMariadb,
  startMemcached,
  startMosquitto,
  startNats,
  startNginx,
  startPostgres,
  startRabbitmq,
  startRedis,
} from './servers.ts';
export {
  type JsonMetric,
  type JsonPoint,
  type JsonSpan,
  metricsInFile,
  postOtlpJson,
  spansInFile,
  tracesRequestJson,
} from './otlp-json.ts';
export { codecToolsOr, lz4Tool, pythonSnappy, zstdTool } from './codecs.ts';
export { otlpLoad, type OtlpLoad } from './load.ts';
export { connectorScrapedByPrometheus, Prometheus, prometheusBinary, type QueryResult } from './prometheus.ts';
export { pushThrough } from './processor.ts';
export { createNetns, type Netns, netnsUnavailable } from './netns.ts';
export { OTLP_PROTO_DIR, PROFILES_SERVICE_PROTO, profilesProtoTypes } from './otlp-profiles-proto.ts';
export { anyValueText, logAttribute, receiveLogs, type ReceivedLogs } from './logs.ts';
