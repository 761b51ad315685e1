export {
  Ack,
  asConsumerError,
  type Batch,
  type BatchInput,
  type ClientInfo,
  type Consumer,
  type Consumers,
  ConsumerError,
  type DataOf,
  type LogsBatch,
  type MetricsBatch,
  permanent,
  PIPELINE_SIGNALS,
  resourcesOf,
  type PipelineSignal,
  type OtlpV1Signal,
  retryable,
  type Signal,
  type SocketBatch,
  type TracesBatch,
} from './consumer.ts';
export {
  type CollectorDescription,
  type Component,
  type Connector,
  type ConnectorFactory,
  type CreateSettings,
  type EmbeddedComponent,
  type Exporter,
  type ExporterFactory,
  type Extension,
  type ExtensionFactory,
  type Factory,
  type FeatureGateState,
  type Host,
  type Kind,
  type Processor,
  type ProcessorFactory,
  type Receiver,
  type ReceiverFactory,
  type Stability,
} from './component.ts';
export {
  duration,
  endpoint,
  HOST_PORT,
  notInFlowtel,
  parseDuration,
  splitEndpoint,
  tlsClientSchema,
  tlsServerSchema,
  TLS_VERSIONS,
} from './config/types.ts';
export {
  clientSecureContext,
  httpsClientOptions,
  httpsServerOptions,
  readPem,
  reloadServerTls,
  serverSecureContext,
  TLS_CURVES,
  type TlsClientConfig,
  type TlsServerConfig,
  tlsProtocolOptions,
  trustedCas,
} from './tls.ts';
export {
  closeServer,
  createHttpOrHttpsServer,
  httpServerShape,
  receiverHttpServerShape,
  type HttpServerSettings,
  listenOn,
  refineServerConfig,
  serveExtensionHttp,
  type ListenAddr,
  listenAddrProblem,
  listenAddrShape,
  listenOptions,
  LISTEN_TRANSPORTS,
  type ListenTransport,
  refineListenAddr,
} from './httpserver.ts';
export { bindUdp, Connections } from './connections.ts';
export {
  EnvironmentProxies,
  HttpTransport,
  type HttpTransportOptions,
  parseProxyUrl,
  proxyUrlSchema,
} from './httpclient.ts';
export { ConfigError, ConfigProblem, KEY_SEPARATOR, type Position } from './config/errors.ts';
export { type ConfigTree, emptyLoadedConfig, loadConfig, type LoadedConfig, parseYamlSource } from './config/source.ts';
export {
  type ComponentEntry,
  idProblem,
  type PipelineConfig,
  resolveConfig,
  type ResolveOptions,
  type ResolvedConfig,
} from './config/validate.ts';
export {
  createQueuedExporter,
  DIRECT_EXPORT,
  type ExporterHelperConfig,
  type ExporterHelperOptions,
  exporterHelperShape,
  MemoryQueue,
  type Push,
  type QueueStorage,
  QueueWaiters,
  retrySchema,
  type SendingQueue,
  sendingQueueSchema,
} from './exporterhelper.ts';
export { Graph } from './graph.ts';
export { Registry, type LazyFactory } from './registry.ts';
export { loadAndResolve, Service, type ServiceOptions } from './service.ts';
export { type StorageClient, storageClient, type StorageExtension } from './storage.ts';
export { SharedInstance, type SharedKey, type SharedLifecycle, SharedState, sharedKey } from './shared.ts';
export { type ReaderConfig, type TelemetryConfig, telemetrySchema } from './telemetry/config.ts';
export { ExporterObs, itemName, ProcessorObs, ReceiverObs } from './telemetry/obs.ts';
export { type BuildInfo, createLogger, createTelemetry, type Telemetry } from './telemetry/telemetry.ts';
export { z } from 'zod';
export { opaque, redactConfig, REDACTED_MASK } from './config/opaque.ts';
