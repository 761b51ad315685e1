// The components built into flowtel. A new component is a workspace package exporting a
// `factory`; add it here.
import { Registry, type Factory } from '@flowtel/core';
import { factory as forwardConnector } from '@flowtel/connector-forward';
import { factory as serviceGraphConnector } from '@flowtel/connector-servicegraph';
import { factory as spanMetricsConnector } from '@flowtel/connector-spanmetrics';
import { factory as ebpfReceiver } from '@flowtel/ebpf-receiver';
import { factory as clickhouseExporter } from '@flowtel/exporter-clickhouse';
import { factory as debugExporter } from '@flowtel/exporter-debug';
import { factory as fileExporter } from '@flowtel/exporter-file';
import { factory as otlpGrpcExporter } from '@flowtel/exporter-otlp-grpc';
import { factory as otlpHttpExporter } from '@flowtel/exporter-otlp-http';
import { factory as prometheusExporter } from '@flowtel/exporter-prometheus';
import { factory as prometheusRemoteWriteExporter } from '@flowtel/exporter-prometheus-remote-write';
import { factory as basicAuthExtension } from '@flowtel/extension-basicauth';
import { factory as bearerTokenAuthExtension } from '@flowtel/extension-bearertokenauth';
import { factory as fileStorageExtension } from '@flowtel/extension-file-storage';
import { factory as healthCheckExtension } from '@flowtel/extension-health-check';
import { factory as attributesProcessor } from '@flowtel/processor-attributes';
import { factory as batchProcessor } from '@flowtel/processor-batch';
import { factory as cumulativeToDeltaProcessor } from '@flowtel/processor-cumulativetodelta';
import { factory as filterProcessor } from '@flowtel/processor-filter';
import { factory as l7Processor } from '@flowtel/processor-l7';
import { factory as memoryLimiterProcessor } from '@flowtel/processor-memory-limiter';
import { factory as resourceProcessor } from '@flowtel/processor-resource';
import { factory as smartEncodingProcessor } from '@flowtel/processor-smartencoding';
import { factory as spanProcessor } from '@flowtel/processor-span';
import { factory as transformProcessor } from '@flowtel/processor-transform';
import { factory as hostMetricsReceiver } from '@flowtel/receiver-hostmetrics';
import { factory as otlpReceiver } from '@flowtel/receiver-otlp';
import { factory as pcapReceiver } from '@flowtel/receiver-pcap';
import { factory as prometheusReceiver } from '@flowtel/receiver-prometheus';
import { loggingExporter, memoryBallastExtension } from './removed.ts';

export const builtinFactories: Factory[] = [
  otlpReceiver,
  ebpfReceiver,
  pcapReceiver,
  prometheusReceiver,
  hostMetricsReceiver,
  batchProcessor,
  memoryLimiterProcessor,
  l7Processor,
  smartEncodingProcessor,
  transformProcessor,
  attributesProcessor,
  filterProcessor,
  resourceProcessor,
  spanProcessor,
  cumulativeToDeltaProcessor,
  otlpGrpcExporter,
  otlpHttpExporter,
  debugExporter,
  fileExporter,
  clickhouseExporter,
  prometheusRemoteWriteExporter,
  prometheusExporter,
  forwardConnector,
  spanMetricsConnector,
  serviceGraphConnector,
  fileStorageExtension,
  healthCheckExtension,
  bearerTokenAuthExtension,
  basicAuthExtension,
  loggingExporter(debugExporter),
  memoryBallastExtension,
];

export function builtinRegistry(): Registry {
  const registry = new Registry();
  for (const f of builtinFactories) registry.add(f);
  return registry;
}
