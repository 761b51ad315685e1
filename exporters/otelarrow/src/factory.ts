import type { ExporterFactory } from '@flowtel/core';
import { queuedSenderExporter } from '@flowtel/otlp';
import { otelArrowExporterConfigSchema, type OtelArrowExporterConfig } from './config.ts';
import { OtelArrowSender } from './otelarrow.ts';

export const factory: ExporterFactory<OtelArrowExporterConfig> = {
  kind: 'exporter',
  type: 'otelarrow',
  stability: { traces: 'beta', metrics: 'beta', logs: 'beta' },
  description: 'sends traces over OTel Arrow (OTAP) streams, metrics and logs over OTLP/gRPC',
  configSchema: otelArrowExporterConfigSchema,
  createExporter: (settings, config, signals) =>
    queuedSenderExporter(settings, config, signals, new OtelArrowSender(settings, config)),
};
