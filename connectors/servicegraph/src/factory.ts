import type { ConnectorFactory } from '@flowtel/core';
import { configSchema, type ServiceGraphConfig } from './config.ts';
import { METRICS, ServiceGraphConnector } from './servicegraph.ts';

export const factory: ConnectorFactory<ServiceGraphConfig> = {
  kind: 'connector',
  type: 'servicegraph',
  description: 'request, failure and latency metrics of the edges between services, from client and server spans',
  stability: { 'traces->metrics': 'alpha' },
  metrics: Object.values(METRICS),
  configSchema,
  createConnector: (settings, config, consumers) => new ServiceGraphConnector(settings, config, consumers),
};
