export { factory } from './factory.ts';
export { otlpGrpcExporterConfigSchema, type OtlpGrpcExporterConfig } from './config.ts';
