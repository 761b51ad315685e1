import type { CreateSettings, ExporterFactory, PipelineSignal } from '@flowtel/core';
import { createQueuedExporter, DIRECT_EXPORT } from '@flowtel/core';
import type { Config } from './config.ts';
import { configSchema } from './config.ts';
import { PrometheusExporter } from './prometheus.ts';

export const factory: ExporterFactory<Config> = {
  kind: 'exporter',
  type: 'prometheus',
  description: 'serves metrics on /metrics for Prometheus to scrape (text format or OpenMetrics)',
  stability: { metrics: 'beta' },
  configSchema,
  createExporter(settings: CreateSettings, config: Config, signals: PipelineSignal[]) {
    const exporter = new PrometheusExporter(settings, config);
    // no queue and no retry: a batch is taken into the exporter's state as it arrives
    return createQueuedExporter({
      settings,
      config: DIRECT_EXPORT,
      signals,
      push: exporter.push,
      start: exporter.start,
      shutdown: exporter.shutdown,
    });
  },
};
