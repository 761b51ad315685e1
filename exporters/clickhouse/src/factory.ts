import type { ExporterFactory } from '@flowtel/core';
import { createClickHouseExporter } from './clickhouse.ts';
import { configSchema, type ClickHouseConfig } from './config.ts';

export const factory: ExporterFactory<ClickHouseConfig> = {
  kind: 'exporter',
  type: 'clickhouse',
  description:
    'stores traces, metrics and logs in ClickHouse tables the contrib exporter writes (embedded chdb or a server)',
  stability: { traces: 'beta', logs: 'beta', metrics: 'alpha', profiles: 'development' },
  configSchema,
  createExporter: createClickHouseExporter,
};
