import type { ExporterFactory } from '@flowtel/core';
import { otlpHttpExporterConfigSchema, type OtlpHttpExporterConfig } from './config.ts';
import { queuedSenderExporter } from '@flowtel/otlp';
import { OtlpHttpSender } from './otlp_http.ts';

export const factory: ExporterFactory<OtlpHttpExporterConfig> = {
  kind: 'exporter',
  type: 'otlp_http',
  aliases: ['otlphttp'],
  stability: { traces: 'stable', metrics: 'stable', logs: 'stable', profiles: 'alpha' },
  description: 'sends traces, metrics, logs and profiles over OTLP/HTTP (protobuf or JSON)',
  configSchema: otlpHttpExporterConfigSchema,
  createExporter: (settings, config, signals) =>
    queuedSenderExporter(settings, config, signals, new OtlpHttpSender(settings, config)),
};
