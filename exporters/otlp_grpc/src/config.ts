import { exporterHelperShape, z } from '@flowtel/core';
import { grpcClientShape } from '@flowtel/otlp';

export const otlpGrpcExporterConfigSchema = z
  .object({
    ...exporterHelperShape,
    ...grpcClientShape('gzip'),
  })
  .strict();

export type OtlpGrpcExporterConfig = z.output<typeof otlpGrpcExporterConfigSchema>;
