import type { ExporterFactory } from '@flowtel/core';
import { queuedSenderExporter } from '@flowtel/otlp';
import { zipkinExporterConfigSchema, type ZipkinExporterConfig } from './config.ts';
import { ZipkinSender } from './zipkin.ts';

export const factory: ExporterFactory<ZipkinExporterConfig> = {
  kind: 'exporter',
  type: 'zipkin',
  stability: { traces: 'beta' },
  description: 'sends traces as Zipkin v2 spans (JSON or protobuf) to a Zipkin endpoint',
  configSchema: zipkinExporterConfigSchema,
  createExporter: (settings, config, signals) =>
    queuedSenderExporter(settings, config, signals, new ZipkinSender(settings, config)),
};
