import type { ExporterFactory } from '@flowtel/core';
import { otlpGrpcExporterConfigSchema, type OtlpGrpcExporterConfig } from './config.ts';
import { OtlpGrpcSender, queuedSenderExporter } from '@flowtel/otlp';

export const factory: ExporterFactory<OtlpGrpcExporterConfig> = {
  kind: 'exporter',
  type: 'otlp_grpc',
  aliases: ['otlp'],
  stability: { traces: 'stable', metrics: 'stable', logs: 'stable', profiles: 'alpha' },
  description: 'sends traces, metrics, logs and profiles over OTLP/gRPC',
  configSchema: otlpGrpcExporterConfigSchema,
  createExporter: (settings, config, signals) =>
    queuedSenderExporter(settings, config, signals, new OtlpGrpcSender(settings, config)),
};
