import type { ExporterFactory } from '@flowtel/core';
import { loadBalancingConfigSchema, type LoadBalancingConfig } from './config.ts';
import { LoadBalancingExporter, PLACEHOLDER_ENDPOINT } from './loadbalancing.ts';

export const factory: ExporterFactory<LoadBalancingConfig> = {
  kind: 'exporter',
  type: 'load_balancing',
  aliases: ['loadbalancing'],
  stability: { traces: 'beta', logs: 'beta', metrics: 'development' },
  description:
    'sends each trace (or service, resource, metric stream) to one of a set of OTLP backends by consistent hashing',
  configSchema: loadBalancingConfigSchema,
  embeds: [
    { path: ['protocol', 'otlp'], kind: 'exporter', type: 'otlp_grpc', defaults: { endpoint: PLACEHOLDER_ENDPOINT } },
  ],
  metrics: [
    'otelcol_loadbalancer_num_resolutions',
    'otelcol_loadbalancer_num_backends',
    'otelcol_loadbalancer_num_backend_updates',
    'otelcol_loadbalancer_backend_latency',
    'otelcol_loadbalancer_backend_outcome',
  ],
  createExporter: (settings, config, signals) => new LoadBalancingExporter(settings, config, signals),
};
