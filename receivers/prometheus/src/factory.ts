import type { ReceiverFactory } from '@flowtel/core';
import { prometheusReceiverConfigSchema, type PrometheusReceiverConfig } from './config.ts';
import { PrometheusReceiver } from './prometheus.ts';

export const factory: ReceiverFactory<PrometheusReceiverConfig> = {
  kind: 'receiver',
  type: 'prometheus',
  stability: { metrics: 'beta' },
  description:
    "scrapes Prometheus targets (Prometheus's scrape_configs, text format and OpenMetrics) into OTLP metrics",
  configSchema: prometheusReceiverConfigSchema,
  createReceiver: (settings, config, consumers) => new PrometheusReceiver(settings, config, consumers),
};
