import type { CreateSettings, ExporterFactory, ExporterHelperConfig, PipelineSignal } from '@flowtel/core';
import { createQueuedExporter } from '@flowtel/core';
import type { Config } from './config.ts';
import { configSchema } from './config.ts';
import { RemoteWriteExporter } from './prometheus_remote_write.ts';

/**
 * The exporter helper configured as contrib configures it: remote_write_queue is the sending
 * queue with ONE consumer, so batches reach Prometheus in order (it refuses out-of-order
 * samples); num_consumers is the fan-out of one batch's requests instead.
 */
export function helperConfig(config: Config): ExporterHelperConfig {
  const q = config.remote_write_queue;
  return {
    timeout: config.timeout,
    retry_on_failure: config.retry_on_failure,
    sending_queue: {
      enabled: q.enabled,
      num_consumers: 1,
      queue_size: q.queue_size,
      sizer: 'requests',
      block_on_overflow: false,
      wait_for_result: false,
      batch: undefined,
    },
  };
}

export const factory: ExporterFactory<Config> = {
  kind: 'exporter',
  type: 'prometheus_remote_write',
  aliases: ['prometheusremotewrite'],
  description: 'sends metrics over Prometheus remote write 1.0 (Prometheus, Mimir, Thanos, VictoriaMetrics)',
  stability: { metrics: 'beta' },
  metrics: [
    'otelcol_exporter_prometheusremotewrite_sent_batches',
    'otelcol_exporter_prometheusremotewrite_failed_translations',
    'otelcol_exporter_prometheusremotewrite_translated_time_series',
    'otelcol_exporter_prometheusremotewrite_written_samples',
    'otelcol_exporter_prometheusremotewrite_written_histograms',
    'otelcol_exporter_prometheusremotewrite_written_exemplars',
    'otelcol_exporter_prometheusremotewrite_dropped_data_points',
    'otelcol_exporter_prometheusremotewrite_consumers',
  ],
  configSchema,
  createExporter(settings: CreateSettings, config: Config, signals: PipelineSignal[]) {
    const exporter = new RemoteWriteExporter(settings, config);
    return createQueuedExporter({
      settings,
      config: helperConfig(config),
      signals,
      push: exporter.push,
      start: exporter.start,
      shutdown: exporter.shutdown,
    });
  },
};
